// QemuMonitor and the HMP reply parsers: see qemu_monitor.h.
#include "inspector/trace/qemu_monitor.h"

#include <chrono>
#include <cstdio>
#include <sstream>

#include "inspector/model/event_text.h"

namespace glass::inspector {

namespace {

constexpr char kPrompt[] = "(qemu) ";

bool hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Parses 1..16 hex digits (after an optional 0x) covering the whole token.
bool hex_token(const std::string& t, uint64_t& out) {
  size_t i = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') ? 2 : 0;
  if (t.size() == i || t.size() - i > 16) return false;
  out = 0;
  for (; i < t.size(); ++i) {
    if (!hex_digit(t[i])) return false;
    const char c = t[i];
    out = out << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return true;
}

}  // namespace

std::string strip_terminal(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') continue;
    if (c == '\x1b') {
      // CSI: ESC [ parameters... final byte in @..~; other escapes are two bytes.
      if (i + 1 < text.size() && text[i + 1] == '[') {
        i += 2;
        while (i < text.size() && !(text[i] >= '@' && text[i] <= '~')) ++i;
      } else {
        ++i;
      }
      continue;
    }
    out.push_back(c);
  }
  return out;
}

bool parse_xp_page(const std::string& reply, uint64_t phys, PageQuads& out, std::string& error) {
  std::array<bool, telemetry::kEntriesPerNode> seen{};
  size_t filled = 0;
  std::istringstream lines(strip_terminal(reply));
  std::string line;
  while (std::getline(lines, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    uint64_t addr = 0;
    std::string head = line.substr(0, colon);
    while (!head.empty() && head.front() == ' ') head.erase(0, 1);
    if (!hex_token(head, addr)) continue;  // not a data line (the echo, a blank line)
    std::istringstream vals(line.substr(colon + 1));
    std::string tok;
    while (vals >> tok) {
      uint64_t v = 0;
      if (!hex_token(tok, v)) {
        error = "xp " + hex(phys) + ": cannot read '" + tok + "' in: " + line;
        return false;
      }
      if (addr < phys || addr >= phys + 4096 || (addr - phys) % 8 != 0) {
        error = "xp " + hex(phys) + ": QEMU answered for " + hex(addr) + ", outside the page";
        return false;
      }
      const size_t slot = (addr - phys) / 8;
      if (seen[slot]) {
        error = "xp " + hex(phys) + ": " + hex(addr) + " answered twice";
        return false;
      }
      seen[slot] = true;
      out[slot] = v;
      ++filled;
      addr += 8;
    }
  }
  if (filled != telemetry::kEntriesPerNode) {
    const std::string clean = strip_terminal(reply);
    error = "xp " + hex(phys) + ": got " + std::to_string(filled) +
            " of 512 quadwords (QEMU: " + clean.substr(0, 200) + ")";
    return false;
  }
  return true;
}

std::optional<uint64_t> parse_cr3(const std::string& reply) {
  const std::string text = strip_terminal(reply);
  for (size_t at = text.find("CR3="); at != std::string::npos; at = text.find("CR3=", at + 1)) {
    if (at > 0 && text[at - 1] != ' ' && text[at - 1] != '\n') continue;  // e.g. "XCR3="
    size_t end = at + 4;
    while (end < text.size() && hex_digit(text[end])) ++end;
    uint64_t v = 0;
    if (end > at + 4 && hex_token(text.substr(at + 4, end - at - 4), v)) return v;
  }
  return std::nullopt;
}

bool QemuMonitor::connect(const std::string& path, std::string& error) {
  if (!sock_.connect(path, error)) {
    error = "cannot connect to QEMU's monitor at " + path +
            " (QEMU serves one with -monitor unix:PATH,server=on,wait=off)";
    return false;
  }
  std::string banner;
  return until_prompt(banner, error);
}

bool QemuMonitor::until_prompt(std::string& text, std::string& error) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  uint8_t buf[16384];
  text.clear();
  const std::string prompt = kPrompt;
  while (text.size() < prompt.size() ||
         text.compare(text.size() - prompt.size(), prompt.size(), prompt) != 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      error = "QEMU's monitor gave no prompt within " + std::to_string(timeout_ms_ / 1000) + " s";
      return false;
    }
    const long r = sock_.read_some(buf, sizeof buf, static_cast<int>(left), error);
    if (r == -1) {
      error = "QEMU's monitor closed the connection";
      return false;
    }
    if (r == -2) return false;
    text.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(r));
  }
  text.resize(text.size() - prompt.size());
  return true;
}

bool QemuMonitor::command(const std::string& line, std::string& reply, std::string& error) {
  const std::string out = line + "\n";
  if (!sock_.write_all(reinterpret_cast<const uint8_t*>(out.data()), out.size(), error))
    return false;
  std::string raw;
  if (!until_prompt(raw, error)) {
    error = "`" + line + "`: " + error;
    return false;
  }
  // The first line is the editor's echo of the command.
  reply = strip_terminal(raw);
  const size_t nl = reply.find('\n');
  reply = nl == std::string::npos ? std::string() : reply.substr(nl + 1);
  return true;
}

bool QemuMonitor::read_page(uint64_t phys, PageQuads& out, std::string& error) {
  std::string reply;
  if (!command("xp /512gx " + hex(phys), reply, error)) return false;
  return parse_xp_page(reply, phys, out, error);
}

}  // namespace glass::inspector
