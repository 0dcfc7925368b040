// FrameTable: the array of FrameDesc, one per physical frame from frame 0 to the highest usable
// frame, and the kind transitions that police ownership.
//
// Invariants: the table is attached once by mm::init (it lives in frames of kind kFrameTable that
// it describes itself) and never moves. Every kind change of a frame after boot goes through
// transition() (a compare-exchange); a mismatch panics with the frame number, its kind and its
// owner, because it means two parties believe they own the frame.
#pragma once

#include "kernel/lib/result.h"
#include "mm/phys/frame_desc.h"

namespace glass::mm {

class FrameTable {
 public:
  constexpr FrameTable() = default;
  FrameTable(const FrameTable&) = delete;
  FrameTable& operator=(const FrameTable&) = delete;

  void attach(FrameDesc* descs, Pfn count) {
    descs_ = descs;
    count_ = count;
  }
  void detach() {
    descs_ = nullptr;
    count_ = 0;
  }

  [[nodiscard]] Pfn size() const { return count_; }
  [[nodiscard]] bool contains(Pfn pfn) const { return pfn < count_; }
  // A const table lends read-only descriptors (readers: the inspector's snapshot, audits, the
  // handles' queries); changing one needs the mutable table (mm::frame_table_mut()).
  [[nodiscard]] const FrameDesc& operator[](Pfn pfn) const { return descs_[pfn]; }
  [[nodiscard]] FrameDesc& operator[](Pfn pfn) { return descs_[pfn]; }
  [[nodiscard]] const FrameDesc* data() const { return descs_; }

  // The frame at `phys`: kInvalidArgument if misaligned or beyond the table.
  [[nodiscard]] Result<Pfn> pfn_of(PhysAddr phys) const;

  // Moves frame `pfn` from kind `from` to kind `to`. `action` names the operation for the panic
  // message ("freed", "claimed", ...). Panics if the frame is not `from`.
  void transition(Pfn pfn, FrameKind from, FrameKind to, const char* action) const;

  // The panic for "frame `pfn` was expected to be `expected` but is something else".
  [[noreturn]] void ownership_panic(Pfn pfn, FrameKind expected, const char* action) const;

 private:
  FrameDesc* descs_ = nullptr;
  Pfn count_ = 0;
};

}  // namespace glass::mm
