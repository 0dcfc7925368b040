// PageTable: the root of one x86-64 4-level page table and the half of the address space it may
// change. All reading and writing of entries goes through cursors (mm/virt/pt_cursor.h).
//
// Invariants:
//  - The PageTable owns its root node, and through it every node of its own half. A kernel page
//    table pre-creates all 256 level-3 nodes of the kernel half, so the kernel half's top level
//    never changes after creation; a user page table copies those 256 root entries and therefore
//    shares the kernel half by pointer. It never locks, changes or frees them: a cursor over the
//    kernel half of a user page table is refused (kPermissionDenied), and destruction frees only
//    the user half.
//  - Destroying a PageTable requires that no cursor on it is alive and that no CPU translates
//    through it (AddressSpace switches away first).
#pragma once

#include <utility>

#include "kernel/lib/result.h"
#include "mm/phys/audit_report.h"
#include "mm/virt/pt_node.h"
#include "mm/virt/va_range.h"

namespace glass::mm {

class PageTable {
 public:
  // A kernel page table: root plus the kernel half's 256 level-3 nodes, owned by `owner`.
  [[nodiscard]] static Result<PageTable> create_kernel(OwnerId owner);
  // A user page table sharing `kernel`'s kernel half (none when kernel is null: host tests).
  [[nodiscard]] static Result<PageTable> create_user(OwnerId owner, const PageTable* kernel);

  PageTable(PageTable&& o) noexcept
      : root_(std::exchange(o.root_, kNoPfn)), half_(o.half_), owner_(o.owner_) {}
  PageTable& operator=(PageTable&&) = delete;
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;
  ~PageTable();

  [[nodiscard]] PhysAddr root_phys() const { return pfn_to_phys(root_); }
  [[nodiscard]] Half half() const { return half_; }
  [[nodiscard]] OwnerId owner() const { return owner_; }
  // The addresses cursors on this table may cover.
  [[nodiscard]] uint64_t va_begin() const { return half_ == Half::kUser ? 0 : kKernelStart; }
  [[nodiscard]] uint64_t va_end() const { return half_ == Half::kUser ? kUserEnd : kKernelEnd; }

  // Why [start, end) cannot be a cursor range here, if it cannot: check_va_range for this
  // table's half (mm/virt/va_range.h). kInvalidArgument for an empty or wrapped range, a misaligned
  // bound, a non-canonical address, a range crossing the canonical hole, or (on a kernel table) a
  // user-half range; kPermissionDenied for any kernel-half address on a user table.
  [[nodiscard]] Result<void> check_range(uint64_t start, uint64_t end) const {
    return check_va_range(half_, start, end);
  }

  // The entry flags of a node pointer: user-half nodes let leaves decide user access.
  [[nodiscard]] uint64_t table_flags(uint64_t va) const {
    return pte::kPresent | pte::kWrite | (va < kUserEnd ? pte::kUser : 0);
  }

  // Page-table frames reachable from the root in this table's own half, root included.
  [[nodiscard]] size_t node_count() const;
  // Checks this table's own half: every node is a page-table frame at the level its position
  // says, not detached, with nr_children equal to its present entries; no leaf is both writable
  // and executable. Quiescent callers (no cursor alive on this table).
  void audit(AuditReport& report) const;

 private:
  friend class Cursor;
  PageTable(Pfn root, Half half, OwnerId owner) : root_(root), half_(half), owner_(owner) {}
  [[nodiscard]] PtNode root() const { return PtNode(root_); }

  Pfn root_;
  Half half_;
  OwnerId owner_;
};

}  // namespace glass::mm
