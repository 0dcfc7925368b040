// PageTable creation and teardown; see page_table.h for the invariants.
#include "mm/virt/page_table.h"

#include "mm/phys/mm_events.h"
#include "mm/virt/detached_tree.h"

namespace glass::mm {
namespace {

constexpr unsigned kFirstKernelSlot = kEntries / 2;

size_t count_nodes(PtNode node) {
  size_t n = 1;
  const unsigned level = node.level();
  for (unsigned i = 0; level > 1 && i < kEntries; ++i) {
    const Pte e = node.load(i);
    if (e.is_table(level)) n += count_nodes(PtNode::at(e.phys()));
  }
  return n;
}

void audit_node(PtNode node, unsigned level, uint64_t va, AuditReport& r) {
  if (!frame_table().contains(node.pfn())) {
    r.fail("pt: node at %#llx (va %#llx) is outside the frame table",
           static_cast<unsigned long long>(node.phys()), static_cast<unsigned long long>(va));
    return;
  }
  const FrameKind kind = load_kind(node.desc());
  if (kind != FrameKind::kPageTable || node.level() != level || node.detached()) {
    r.fail("pt: node frame %u (va %#llx, level %u) is %s, level %u%s", node.pfn(),
           static_cast<unsigned long long>(va), level, kind_name(kind), node.level(),
           node.detached() ? ", detached" : "");
    return;
  }
  unsigned present = 0;
  for (unsigned i = 0; i < kEntries && r.ok; ++i) {
    const Pte e = node.load(i);
    if (!e.present()) continue;
    ++present;
    // Sign-extend: the kernel half's addresses have bit 47 set.
    uint64_t at = va + i * page_size(level);
    if (at & (uint64_t{1} << 47)) at |= 0xffff000000000000ull;
    if (e.is_leaf(level)) {
      if (e.writable() && e.executable()) {
        r.fail("pt: page at %#llx is writable and executable", static_cast<unsigned long long>(at));
      }
    } else {
      audit_node(PtNode::at(e.phys()), level - 1, at, r);
    }
  }
  if (r.ok && level < kLevels && present != node.nr_children()) {
    r.fail("pt: node frame %u (va %#llx) counts %u children but has %u", node.pfn(),
           static_cast<unsigned long long>(va), node.nr_children(), present);
  }
}

}  // namespace

void PageTable::audit(AuditReport& report) const {
  const PtNode root = PtNode(root_);
  if (load_kind(root.desc()) != FrameKind::kPageTable || root.level() != kLevels) {
    report.fail("pt: root frame %u is %s", root_, kind_name(load_kind(root.desc())));
    return;
  }
  const unsigned first = half_ == Half::kUser ? 0 : kFirstKernelSlot;
  const unsigned last = half_ == Half::kUser ? kFirstKernelSlot : kEntries;
  for (unsigned i = first; i < last && report.ok; ++i) {
    const Pte e = root.load(i);
    if (!e.present()) continue;
    uint64_t at = i * page_size(kLevels);
    if (i >= kFirstKernelSlot) at |= 0xffff000000000000ull;
    if (!e.is_table(kLevels)) {
      report.fail("pt: root entry %u is not a node pointer", i);
    } else {
      audit_node(PtNode::at(e.phys()), kLevels - 1, at, report);
    }
  }
}

Result<PageTable> PageTable::create_kernel(OwnerId owner) {
  const PtNode root = TRY(alloc_node(kLevels, owner, false));
  PageTable pt(root.pfn(), Half::kKernel, owner);  // frees what was built if a node below fails
  telemetry::mm_events::as_registered(owner, root.pfn(), true);
  telemetry::mm_events::node_created(owner, kLevels, root.pfn(), 0, 0);
  for (unsigned i = kFirstKernelSlot; i < kEntries; ++i) {
    const PtNode l3 = TRY(alloc_node(kLevels - 1, owner, false));
    telemetry::mm_events::node_created(owner, kLevels - 1, l3.pfn(), root.pfn(), i);
    root.store(i, Pte(l3.phys() | pt.table_flags(kKernelStart)));
  }
  if (telemetry::mm_events::on()) {
    telemetry::mm_events::entries(root.pfn(), kFirstKernelSlot, root.entries() + kFirstKernelSlot,
                                  kEntries - kFirstKernelSlot);
  }
  return pt;
}

Result<PageTable> PageTable::create_user(OwnerId owner, const PageTable* kernel) {
  if (kernel != nullptr && kernel->half_ != Half::kKernel) return Error::kInvalidArgument;
  const PtNode root = TRY(alloc_node(kLevels, owner, false));
  if (kernel != nullptr) {
    // The kernel's top level is fixed at creation, so this copy never goes stale.
    for (unsigned i = kFirstKernelSlot; i < kEntries; ++i) root.store(i, kernel->root().load(i));
  }
  PageTable pt(root.pfn(), Half::kUser, owner);
  telemetry::mm_events::as_registered(owner, root.pfn(), false);
  telemetry::mm_events::node_created(owner, kLevels, root.pfn(), 0, 0);
  if (kernel != nullptr && telemetry::mm_events::on()) {
    telemetry::mm_events::entries(root.pfn(), kFirstKernelSlot, root.entries() + kFirstKernelSlot,
                                  kEntries - kFirstKernelSlot);
  }
  return pt;
}

PageTable::~PageTable() {
  if (root_ == kNoPfn) return;
  telemetry::mm_events::as_unregistered(owner_, root_);
  const PtNode root = PtNode(root_);
  const unsigned first = half_ == Half::kUser ? 0 : kFirstKernelSlot;
  const unsigned last = half_ == Half::kUser ? kFirstKernelSlot : kEntries;
  for (unsigned i = first; i < last; ++i) {
    const Pte e = root.load(i);
    if (!e.is_table(kLevels)) continue;
    root.store(i, Pte());
    DetachedTree sub(PtNode::at(e.phys()), 0, 0);  // freed at the end of this iteration
  }
  // The caller switched away from this table; a full flush also drops paging-structure caches.
  platform::tlb_flush_all();
  free_node(root);
  root_ = kNoPfn;
}

size_t PageTable::node_count() const {
  const PtNode root = PtNode(root_);
  size_t n = 1;
  const unsigned first = half_ == Half::kUser ? 0 : kFirstKernelSlot;
  const unsigned last = half_ == Half::kUser ? kFirstKernelSlot : kEntries;
  for (unsigned i = first; i < last; ++i) {
    const Pte e = root.load(i);
    if (e.is_table(kLevels)) n += count_nodes(PtNode::at(e.phys()));
  }
  return n;
}

}  // namespace glass::mm
