// flags_text: an entry's set bits as the words a teacher says aloud ("P W U A D G NX PS").
// Invariants: only bits that mean something at that level are named (PS only at levels 2-3,
// G/D/PAT only on leaves), so the text never claims a flag the MMU ignores.
#include "inspector/view/entry_bits.h"
#include "inspector/view/tree_rows.h"

namespace glass::inspector::view {

std::string flags_text(uint64_t e, uint8_t level) {
  if (!present(e)) return "-";
  const bool leaf = is_leaf(e, level);
  std::string s;
  auto add = [&s](bool on, const char* word) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += word;
  };
  add(true, "P");
  add(e & kPteW, "W");
  add(e & kPteU, "U");
  add(e & kPtePwt, "PWT");
  add(e & kPtePcd, "PCD");
  add(e & kPteA, "A");
  add(leaf && (e & kPteD), "D");
  add(leaf && (e & kPteG), "G");
  add(leaf && (level == 1 ? (e & kPtePs) : (e & kPtePatHuge)), "PAT");
  add(e & kPteNx, "NX");
  add(level >= 2 && level <= 3 && (e & kPtePs), "PS");
  return s;
}

}  // namespace glass::inspector::view
