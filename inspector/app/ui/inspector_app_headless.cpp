// InspectorApp's headless modes: the screenshot (the PNG and the status lines a test reads from
// it) and the frame-time benchmark. See inspector_app.h.
#include <imgui.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>

#include "inspector/app/png_writer.h"
#include "inspector/app/ui/format.h"
#include "inspector/app/ui/inspector_app.h"
#include "inspector/model/event_text.h"
#include "inspector/view/cursor_rows.h"
#include "inspector/view/palette.h"

namespace glass::inspector::app {

int InspectorApp::screenshot() {
  uint32_t w = 0, h = 0;
  auto px = win_.read_pixels(w, h);
  std::string error;
  if (!write_png(*opt_.screenshot_path, w, h, px, error)) {
    std::fprintf(stderr, "glass-inspect: %s\n", error.c_str());
    return 1;
  }
  // What a test can look for: the kinds present (and their colours) and the live cursors.
  const StateModel& m = model();
  std::string facts = app_->ui.facts;
  std::vector<uint64_t> counts(256, 0);
  for (const auto& f : m.frames()) ++counts[f.kind];
  facts += " kinds=";
  for (const auto& e : view::legend())
    if (counts[e.kind] != 0) {
      char b[64];
      std::snprintf(b, sizeof b, "%s:%06x:%llu,", e.name,
                    ((e.rgba & 0xFF) << 16) | (e.rgba & 0xFF00) | ((e.rgba >> 16) & 0xFF),
                    static_cast<unsigned long long>(counts[e.kind]));
      facts += b;
    }
  facts += " cursors=";
  for (const auto& c : view::cursor_rows(m)) {
    char b[64];
    std::snprintf(b, sizeof b, "%llu:%06x,", static_cast<unsigned long long>(c.id),
                  ((c.rgba & 0xFF) << 16) | (c.rgba & 0xFF00) | ((c.rgba >> 16) & 0xFF));
    facts += b;
  }
  status_line("screenshot " + *opt_.screenshot_path + " " + std::to_string(w) + "x" +
              std::to_string(h) + " view=" + view_flag_name(opt_.view) + facts);
  if (opt_.view == ViewId::kWalk && walk_.outcome().drawn) {
    const WalkPanel::Outcome& o = walk_.outcome();
    status_line(std::string("walk source=") + (o.kernel ? "kernel" : "model") +
                " status=" + walk_status_name(o.status) + " levels=" + std::to_string(o.levels) +
                " matches_model=" + (o.matches_model ? "yes" : "no"));
  }
  if (opt_.view == ViewId::kLocks) {
    // The key is "waiting cursors": the line above owns "cursors=".
    size_t live = 0, waiting = 0;
    for (const auto& c : view::cursor_rows(m)) {
      ++live;
      waiting += c.waiting_on ? 1 : 0;
    }
    status_line("locks live=" + std::to_string(live) +
                " waiting cursors=" + std::to_string(waiting));
  }
  return 0;
}

namespace {

struct FrameStats {
  double median_ms = 0, p99_ms = 0, max_ms = 0;
};

FrameStats stats(std::vector<double> ms) {
  FrameStats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  s.median_ms = ms[ms.size() / 2];
  s.p99_ms = ms[std::min(ms.size() - 1, (ms.size() * 99) / 100)];
  s.max_ms = ms.back();
  return s;
}

}  // namespace

int InspectorApp::bench() {
  using Clock = std::chrono::steady_clock;
  const uint32_t n = *opt_.bench_frames;
  // Events applied per second: the whole trace decoded and applied to a fresh model.
  {
    const auto t0 = Clock::now();
    StateModel fresh;
    size_t events = 0;
    view::Timeline& tl = replay_->timeline();
    for (size_t i = 0; i < tl.event_count(); ++i) {
      fresh.apply(tl.item(i));
      ++events;
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("BENCH events %zu apply_s %.6f events_per_s %.0f timeline_load_s %.6f\n", events, s,
                static_cast<double>(events) / std::max(s, 1e-9), replay_->load_seconds());
  }
  std::vector<double> empty_ms, real_ms;
  for (uint32_t i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    win_.begin_frame();
    ImGui::Begin("empty");
    ImGui::End();
    win_.render();
    win_.swap();
    win_.finish();
    empty_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  app_->ui.select_view = ViewId::kFrames;
  const size_t events = replay_->event_count();
  for (uint32_t i = 0; i < n; ++i) {
    // Play the trace from its start to its end over the n frames.
    app_->request(NavRequest::seek(events == 0 ? 0 : (events - 1) * i / (n - 1)));
    const auto t0 = Clock::now();
    draw_frame(0);
    win_.swap();
    win_.finish();
    real_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  const FrameStats e = stats(empty_ms), r = stats(real_ms);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const StateModel& m = model();
  std::printf("BENCH state frames %zu nodes %zu tree_rows_visible %s\n", m.frames().size(),
              m.node_count(), "n/a");
  std::printf("BENCH empty_frame_ms median %.3f p99 %.3f max %.3f\n", e.median_ms, e.p99_ms,
              e.max_ms);
  std::printf("BENCH frame_ms median %.3f p99 %.3f max %.3f\n", r.median_ms, r.p99_ms, r.max_ms);
  std::printf("BENCH peak_rss_mb %.1f\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  std::fflush(stdout);
  return 0;
}

}  // namespace glass::inspector::app
