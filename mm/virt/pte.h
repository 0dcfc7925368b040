// Pte: one x86-64 page-table entry, and PageProp: what a mapping allows, independent of how the
// hardware spells it.
//
// Invariants: a Pte is exactly the 64-bit word the MMU reads (pinned below); encode() refuses
// unknown flag bits and physical addresses that are misaligned or beyond 52 bits, so every Pte we
// build decodes back to the same (phys, flags). Levels count from the leaves: 1 = page table
// (4 KiB leaves), 2 = page directory (2 MiB leaves when kHuge), 3 = PDPT (1 GiB leaves when
// kHuge), 4 = PML4 (never a leaf). At level 1 bit 7 means PAT, not "huge": we never set it there.
#pragma once

#include <stdint.h>

#include <type_traits>

#include "kernel/lib/result.h"
#include "mm/phys/platform.h"

namespace glass::mm {

namespace pte {
inline constexpr uint64_t kPresent = 1ull << 0;
inline constexpr uint64_t kWrite = 1ull << 1;
inline constexpr uint64_t kUser = 1ull << 2;
inline constexpr uint64_t kPwt = 1ull << 3;
inline constexpr uint64_t kPcd = 1ull << 4;
inline constexpr uint64_t kAccessed = 1ull << 5;
inline constexpr uint64_t kDirty = 1ull << 6;
inline constexpr uint64_t kHuge = 1ull << 7;
inline constexpr uint64_t kGlobal = 1ull << 8;
inline constexpr uint64_t kNx = 1ull << 63;
inline constexpr uint64_t kAllFlags =
    kPresent | kWrite | kUser | kPwt | kPcd | kAccessed | kDirty | kHuge | kGlobal | kNx;
inline constexpr uint64_t kAddrMask = 0x000ffffffffff000ull;  // bits 12..51
inline constexpr unsigned kFlagCount = 10;
inline constexpr uint64_t kFlagList[kFlagCount] = {kPresent,  kWrite, kUser, kPwt,    kPcd,
                                                   kAccessed, kDirty, kHuge, kGlobal, kNx};
}  // namespace pte

inline constexpr unsigned kLevels = 4;
inline constexpr unsigned kEntries = 512;
inline constexpr uint64_t kUserEnd = 0x0000800000000000ull;      // user half: [0, kUserEnd)
inline constexpr uint64_t kKernelStart = 0xffff800000000000ull;  // kernel half starts here
// The last page of the address space is never handed out, so a range end always fits in 64 bits.
inline constexpr uint64_t kKernelEnd = 0xfffffffffffff000ull;

// Bytes one entry of a node at `level` maps (4 KiB, 2 MiB, 1 GiB, 512 GiB).
[[nodiscard]] constexpr uint64_t page_size(unsigned level) {
  return uint64_t{1} << (kFrameShift + 9 * (level - 1));
}
[[nodiscard]] constexpr unsigned pte_index(uint64_t va, unsigned level) {
  return static_cast<unsigned>((va >> (kFrameShift + 9 * (level - 1))) & (kEntries - 1));
}
[[nodiscard]] constexpr bool is_canonical(uint64_t va) {
  return va < kUserEnd || va >= kKernelStart;
}

class Pte {
 public:
  constexpr Pte() = default;
  explicit constexpr Pte(uint64_t raw) : raw_(raw) {}

  // kInvalidArgument: flag bits outside pte::kAllFlags, phys not 4 KiB aligned or beyond 52 bits.
  [[nodiscard]] static Result<Pte> encode(PhysAddr phys, uint64_t flags) {
    if ((flags & ~pte::kAllFlags) != 0 || (phys & ~pte::kAddrMask) != 0) {
      return Error::kInvalidArgument;
    }
    return Pte(phys | flags);
  }

  [[nodiscard]] constexpr uint64_t raw() const { return raw_; }
  [[nodiscard]] constexpr PhysAddr phys() const { return raw_ & pte::kAddrMask; }
  [[nodiscard]] constexpr uint64_t flags() const { return raw_ & pte::kAllFlags; }
  [[nodiscard]] constexpr bool has(uint64_t flag) const { return (raw_ & flag) == flag; }
  [[nodiscard]] constexpr bool present() const { return has(pte::kPresent); }
  [[nodiscard]] constexpr bool writable() const { return has(pte::kWrite); }
  [[nodiscard]] constexpr bool user() const { return has(pte::kUser); }
  [[nodiscard]] constexpr bool executable() const { return !has(pte::kNx); }
  [[nodiscard]] constexpr bool global() const { return has(pte::kGlobal); }
  [[nodiscard]] constexpr bool accessed() const { return has(pte::kAccessed); }
  [[nodiscard]] constexpr bool dirty() const { return has(pte::kDirty); }
  // At `level`, does this present entry map memory (rather than point at a child node)?
  [[nodiscard]] constexpr bool is_leaf(unsigned level) const {
    return present() && (level == 1 || has(pte::kHuge));
  }
  [[nodiscard]] constexpr bool is_table(unsigned level) const {
    return present() && level > 1 && !has(pte::kHuge);
  }
  bool operator==(const Pte&) const = default;

 private:
  uint64_t raw_ = 0;
};

static_assert(sizeof(Pte) == 8 && std::is_trivially_copyable_v<Pte>);

// What a leaf allows. Present is implied; accessed/dirty are the hardware's business.
struct PageProp {
  bool write = false;
  bool exec = false;
  bool user = false;
  bool global = false;
  bool uncached = false;  // PCD|PWT: MMIO

  [[nodiscard]] constexpr uint64_t to_flags() const {
    return pte::kPresent | (write ? pte::kWrite : 0) | (user ? pte::kUser : 0) |
           (exec ? 0 : pte::kNx) | (global ? pte::kGlobal : 0) |
           (uncached ? pte::kPcd | pte::kPwt : 0);
  }
  [[nodiscard]] static constexpr PageProp from(Pte e) {
    return PageProp{e.writable(), e.executable(), e.user(), e.global(),
                    e.has(pte::kPcd) && e.has(pte::kPwt)};
  }
  bool operator==(const PageProp&) const = default;
};

}  // namespace glass::mm
