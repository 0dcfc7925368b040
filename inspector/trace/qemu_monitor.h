// QemuMonitor: a client of QEMU's human monitor (HMP) on a unix socket, for cross-checks against
// a view the kernel did not produce: guest-physical memory (`xp`) and the CPU's registers
// (`info registers`). The parsers are separate functions so tests can feed them odd text.
//
// Invariants: one command at a time; a reply is everything up to the next "(qemu) " prompt, with
// the terminal escapes and carriage returns QEMU's line editor adds removed. Every wait has a
// deadline and every failure is a sentence (which command, what came back), never a hang. The
// parsers accept only complete, consistent answers: a page read is all 512 quadwords of that page,
// each exactly once, or an error.
#pragma once

#include <stdint.h>

#include <array>
#include <optional>
#include <string>

#include "inspector/trace/unix_socket.h"
#include "protocol/wire.h"

namespace glass::inspector {

using PageQuads = std::array<uint64_t, telemetry::kEntriesPerNode>;

// Removes ANSI escape sequences and '\r' (QEMU's readline echo is full of them).
[[nodiscard]] std::string strip_terminal(const std::string& text);
// The reply to `xp /512gx PHYS`: lines "ADDR: 0xVALUE 0xVALUE". False with a sentence if any of
// the 512 quadwords of the page at phys is missing, repeated, outside it, or unparsable.
[[nodiscard]] bool parse_xp_page(const std::string& reply, uint64_t phys, PageQuads& out,
                                 std::string& error);
// CR3 from `info registers` (the first CPU's).
[[nodiscard]] std::optional<uint64_t> parse_cr3(const std::string& reply);

class QemuMonitor {
 public:
  explicit QemuMonitor(int timeout_ms) : timeout_ms_(timeout_ms) {}
  [[nodiscard]] bool connect(const std::string& path, std::string& error);
  // Sends one command line; reply is its output without the echo and the prompt.
  [[nodiscard]] bool command(const std::string& line, std::string& reply, std::string& error);
  [[nodiscard]] bool read_page(uint64_t phys, PageQuads& out, std::string& error);

 private:
  [[nodiscard]] bool until_prompt(std::string& text, std::string& error);

  int timeout_ms_;
  UnixSocket sock_;
};

}  // namespace glass::inspector
