// SymbolTable: looks up function names for backtraces in the text symbol map that travels as a
// GRUB module ("symbols"). Each line is "<hex address> <hex size> <name>\n", sorted by address
// (written by tests/harness/make_symbols.py from `nm`).
//
// Invariants: the table only ever reads inside the [text, text+len) it was given; a malformed line
// is skipped, never trusted; lookups allocate nothing, so they are safe inside a panic.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace glass {

struct SymbolHit {
  const char* name = nullptr;  // not NUL-terminated: print with "%.*s"
  int name_len = 0;
  uint64_t offset = 0;  // addr - symbol start
};

class SymbolTable {
 public:
  void init(const char* text, size_t len) {
    text_ = text;
    len_ = len;
  }
  [[nodiscard]] bool loaded() const { return text_ != nullptr && len_ != 0; }
  // The symbol whose [start, start+size) holds addr; nothing if none does.
  [[nodiscard]] bool lookup(uint64_t addr, SymbolHit* hit) const;
  // Number of well-formed lines (for the boot summary).
  [[nodiscard]] size_t count() const;

 private:
  const char* text_ = nullptr;
  size_t len_ = 0;
};

}  // namespace glass
