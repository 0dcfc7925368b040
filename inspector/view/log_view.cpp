// log_lines / panic_banner: see log_view.h.
#include "inspector/view/log_view.h"

#include <cstdio>

namespace glass::inspector::view {

namespace {
std::string seconds(uint64_t t_ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6f", static_cast<double>(t_ns) / 1e9);
  return b;
}
}  // namespace

std::vector<LogLine> log_lines(const StateModel& m) {
  std::vector<LogLine> out;
  out.reserve(m.journal().size());
  for (const JournalEntry& j : m.journal()) {
    LogLine l;
    l.t_ns = j.t_ns;
    switch (j.kind) {
      case JournalEntry::Kind::kLog:
        l.kind = LogLine::kLog;
        l.level = j.level;
        l.text = j.text;
        break;
      case JournalEntry::Kind::kKtap: {
        const std::string n = std::to_string(j.number) + " " + j.text;
        if (j.ktap == telemetry::KtapStatus::kNotOk) {
          l.kind = LogLine::kKtapNotOk;
          l.text = "not ok " + n;
        } else if (j.ktap == telemetry::KtapStatus::kSkip) {
          l.kind = LogLine::kKtapSkip;
          l.text = "ok " + n + " # SKIP";
        } else {
          l.kind = LogLine::kKtapOk;
          l.text = "ok " + n;
        }
        break;
      }
      case JournalEntry::Kind::kPanic:
        l.kind = LogLine::kPanic;
        l.text = j.text;
        break;
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::optional<std::string> panic_banner(const StateModel& m) {
  if (!m.panic_message()) return std::nullopt;
  // The journal keeps the panic's cpu and time; it may have been pushed out by later lines.
  for (auto it = m.journal().rbegin(); it != m.journal().rend(); ++it)
    if (it->kind == JournalEntry::Kind::kPanic)
      return "PANIC on cpu " + std::to_string(it->level) + " at t=" + seconds(it->t_ns) +
             " s: " + it->text;
  return "PANIC: " + *m.panic_message();
}

}  // namespace glass::inspector::view
