// SymbolTable parsing; see symbol_table.h for the invariants.
#include "kernel/boot/symbol_table.h"

namespace glass {
namespace {

struct Line {
  uint64_t addr, size;
  const char* name;
  int name_len;
};

// Parses a hex field ending at a space. Returns false on a malformed field.
bool hex_field(const char*& p, const char* end, uint64_t* out) {
  uint64_t v = 0;
  int digits = 0;
  while (p < end && *p != ' ' && *p != '\n') {
    char c = *p++;
    unsigned d;
    if (c >= '0' && c <= '9')
      d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<unsigned>(c - 'A' + 10);
    else
      return false;
    if (++digits > 16) return false;
    v = (v << 4) | d;
  }
  if (digits == 0 || p >= end || *p != ' ') return false;
  ++p;
  *out = v;
  return true;
}

// Reads the line starting at p; advances p past its newline whether or not it was well formed.
bool next_line(const char*& p, const char* end, Line* line) {
  const char* start = p;
  while (p < end && *p != '\n') ++p;
  const char* line_end = p;
  if (p < end) ++p;
  const char* q = start;
  if (!hex_field(q, line_end, &line->addr) || !hex_field(q, line_end, &line->size)) return false;
  if (q >= line_end) return false;
  line->name = q;
  line->name_len = static_cast<int>(line_end - q);
  return true;
}

}  // namespace

bool SymbolTable::lookup(uint64_t addr, SymbolHit* hit) const {
  if (!loaded()) return false;
  const char* p = text_;
  const char* end = text_ + len_;
  Line line;
  while (p < end) {
    if (!next_line(p, end, &line)) continue;
    if (addr >= line.addr && addr - line.addr < (line.size == 0 ? 1 : line.size)) {
      *hit = SymbolHit{line.name, line.name_len, addr - line.addr};
      return true;
    }
  }
  return false;
}

size_t SymbolTable::count() const {
  size_t n = 0;
  const char* p = text_;
  const char* end = text_ + len_;
  Line line;
  while (p < end) {
    if (next_line(p, end, &line)) ++n;
  }
  return n;
}

}  // namespace glass
