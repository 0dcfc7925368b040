// Full scans of mm's state: the digest (protocol/digest.h) and the body of a snapshot, both from
// the same walk so they cannot disagree about what exists. Portable: the kernel's channel and the
// host's recorder send the same snapshot.
//
// Invariants:
//  - Called at a quiescent point only (the kernel: telemetry::poll()): no cursor alive, so
//    every node is attached, unlocked and its entries final; no frame is mid-transition.
//  - What exists: every frame of the frame table; every registered address space; every node
//    reachable from a registered root through its own half (a user table stops at the kernel half,
//    whose nodes belong to the kernel table and count once, under its asid); every entry of those
//    nodes. A node's asid is its frame's owner (mm allocates nodes for the table's owner).
//  - Snapshot order: frame runs (each run of folio frames followed by one folio_ref per folio
//    in it), address spaces, then each tree in pre-order (parents first), so the host can check
//    every node_created against its parent.
#include "telemetry/snapshot.h"

#include "mm/mm.h"
#include "mm/phys/platform.h"
#include "mm/virt/pte.h"
#include "protocol/digest.h"
#include "telemetry/recorder.h"

namespace glass::telemetry {
namespace {

constexpr unsigned kEntries = kEntriesPerNode;
constexpr unsigned kFirstKernelSlot = kEntries / 2;

const uint64_t* node_entries(uint64_t pfn) {
  return static_cast<const uint64_t*>(mm::platform::phys_to_virt(pfn << 12));
}

uint32_t node_owner(uint64_t pfn) {
  return mm::load_owner(mm::frame_table()[static_cast<mm::Pfn>(pfn)]);
}

// Visits a node and, pre-order, the nodes below it. Visitor: bool node(asid, level, pfn, parent,
// index, entries); false stops the walk.
template <typename V>
bool walk(V& v, uint64_t pfn, unsigned level, uint64_t parent, unsigned index, unsigned first,
          unsigned last) {
  if (!mm::frame_table().contains(static_cast<mm::Pfn>(pfn))) return true;  // not ours to read
  const uint64_t* e = node_entries(pfn);
  if (!v.node(node_owner(pfn), level, pfn, parent, index, e)) return false;
  if (level == 1) return true;
  for (unsigned i = first; i < last; ++i) {
    const mm::Pte p(e[i]);
    if (p.is_table(level) && !walk(v, p.phys() >> 12, level - 1, pfn, i, 0, kEntries)) return false;
  }
  return true;
}

template <typename V>
bool walk_all(V& v) {
  const recorder::Space* s = recorder::spaces();
  for (size_t i = 0; i < recorder::kMaxSpaces; ++i) {
    if (!s[i].live) continue;
    if (!v.space(s[i].asid, s[i].root)) return false;
  }
  for (size_t i = 0; i < recorder::kMaxSpaces; ++i) {
    if (!s[i].live) continue;
    const unsigned first = s[i].kernel_half ? kFirstKernelSlot : 0;
    const unsigned last = s[i].kernel_half ? kEntries : kFirstKernelSlot;
    if (!walk(v, s[i].root, kMaxLevel, 0, 0, first, last)) return false;
  }
  return true;
}

struct DigestVisitor {
  DigestAccumulator acc;
  bool space(uint32_t asid, uint64_t root) {
    acc.add_as(asid, root);
    return true;
  }
  bool node(uint32_t asid, unsigned level, uint64_t pfn, uint64_t, unsigned, const uint64_t* e) {
    acc.add_node(pfn, asid, static_cast<uint8_t>(level));
    for (unsigned i = 0; i < kEntries; ++i)
      if (e[i] != 0) acc.add_entry(pfn, i, e[i]);
    return true;
  }
};

struct SnapshotVisitor {
  Framer& f;
  bool space(uint32_t asid, uint64_t root) {
    return f.emit([&](ByteWriter& w) { return encode::as_created(w, asid, root); });
  }
  bool node(uint32_t asid, unsigned level, uint64_t pfn, uint64_t parent, unsigned index,
            const uint64_t* e) {
    if (!f.emit([&](ByteWriter& w) {
          return encode::node_created(w, asid, static_cast<uint8_t>(level), pfn, parent, index);
        }))
      return false;
    // Non-zero runs only: the host starts every node empty.
    unsigned i = 0;
    while (i < kEntries) {
      if (e[i] == 0) {
        ++i;
        continue;
      }
      unsigned j = i;
      while (j < kEntries && e[j] != 0) ++j;
      if (!f.emit_entries(pfn, i, e + i, j - i)) return false;
      i = j;
    }
    return true;
  }
};

// One folio_ref per live folio whose head lies in [p, q) (a run of folio frames). Not digested:
// a count changes without any frame changing kind or owner.
bool folio_refs(Framer& f, mm::Pfn p, mm::Pfn q) {
  const mm::FrameTable& t = mm::frame_table();
  while (p < q) {
    const uint8_t order = t[p].alloc_order;
    if (order == mm::kTailOrder) {  // a tail whose head is in the previous run: cannot happen
      ++p;
      continue;
    }
    const uint64_t count = uint64_t{1} << order;
    const uint32_t refs = mm::load_refcount(t[p]);
    if (refs != 0 && !f.emit([&](ByteWriter& w) { return encode::folio_ref(w, p, count, refs); }))
      return false;
    p += count;
  }
  return true;
}

}  // namespace

Digest full_digest() {
  DigestVisitor v;
  const mm::FrameTable& t = mm::frame_table();
  const mm::Pfn n = t.size();
  for (mm::Pfn p = 0; p < n; ++p) {
    v.acc.add_frames(p, 1, static_cast<uint8_t>(mm::load_kind(t[p])), mm::load_owner(t[p]));
  }
  (void)walk_all(v);
  return v.acc.value();
}

bool snapshot_body(Framer& f) {
  // Frames: runs of equal (kind, owner); the host starts from "all free, owner 0".
  const mm::FrameTable& t = mm::frame_table();
  const mm::Pfn n = t.size();
  mm::Pfn p = 0;
  while (p < n) {
    const uint8_t kind = static_cast<uint8_t>(mm::load_kind(t[p]));
    const uint32_t owner = mm::load_owner(t[p]);
    mm::Pfn q = p + 1;
    while (q < n && static_cast<uint8_t>(mm::load_kind(t[q])) == kind &&
           mm::load_owner(t[q]) == owner)
      ++q;
    if ((kind != 0 || owner != 0) &&
        !f.emit([&](ByteWriter& w) { return encode::frame_run(w, p, q - p, kind, owner); }))
      return false;
    if (kind == static_cast<uint8_t>(mm::FrameKind::kFolio) && !folio_refs(f, p, q)) return false;
    p = q;
  }
  SnapshotVisitor v{f};
  return walk_all(v);
}

}  // namespace glass::telemetry
