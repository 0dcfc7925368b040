// Names: the small, stable names the inspector shows instead of raw ids. An address space is
// "kernel" (the kernel's own, asid == mm::kOwnerKernel) or "demo N", numbered from 1 in the order
// this session first saw each one in the boot; a cursor is numbered from 1 in the order its
// cursor_begin arrived in the boot. The kernel's ids (asids that are owner ids such as 0x10100,
// cursor ids that are frame numbers such as 130943) stay on the wire and in tooltips.
//
// Invariants:
//  - Host-side only: nothing here is on the wire or in the digest; the model owns one Names and
//    feeds it from the events it applies, so a replay to event N names things exactly as the
//    live session did at N (a Timeline keyframe copies it with the model).
//  - A number, once given in a boot, never changes while that boot lasts (a snapshot re-sending a
//    live cursor or space keeps its number); a new boot (reset_boot) starts again from 1.
//  - A cursor's number is dropped when the cursor ends, so memory stays bounded by the live
//    cursors; spaces are kept (a destroyed space's name stays stable for the views of the past).
#pragma once

#include <stdint.h>

#include <map>
#include <string>
#include <unordered_map>

namespace glass::inspector {

class Names {
 public:
  void reset_boot();
  void saw_space(uint32_t asid);
  void cursor_began(uint64_t id);
  void cursor_ended(uint64_t id);

  // "kernel", "demo 3", or "space <asid>" for one never seen.
  [[nodiscard]] std::string space(uint32_t asid) const;
  // 1, 2, ... in this boot; 0 for a cursor not seen beginning (it then shows its raw id).
  [[nodiscard]] uint32_t cursor_number(uint64_t id) const;
  // "cursor 3", or "cursor #<id>" for one not numbered.
  [[nodiscard]] std::string cursor(uint64_t id) const;
  // Who owns a frame, in words: the fixed owners of mm/phys/owner.h by name, an address space (its
  // page tables and the frames it allocated carry its asid) by its name, otherwise the id in hex.
  [[nodiscard]] std::string owner(uint32_t owner) const;

 private:
  std::map<uint32_t, uint32_t> spaces_;  // asid -> demo number (the kernel's is not numbered)
  uint32_t next_space_ = 1;
  std::unordered_map<uint64_t, uint32_t> cursors_;
  uint32_t next_cursor_ = 1;
};

}  // namespace glass::inspector
