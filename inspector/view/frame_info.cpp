// describe_frame: everything the inspector knows about one physical frame, for the frame map's
// hover text and the walk view's final frame.
// Invariants: reads the model only; a frame beyond the model's frame table is described as
// unknown (known = false) rather than refused, since the walk may end at an MMIO address.
#include "inspector/view/frame_map.h"

namespace glass::inspector::view {

FrameInfoView describe_frame(const StateModel& m, uint64_t pfn) {
  FrameInfoView v;
  v.pfn = pfn;
  v.phys = pfn << 12;
  if (pfn < m.frames().size()) {
    v.known = true;
    v.kind = m.frames()[pfn].kind;
    v.owner = m.frames()[pfn].owner;
  }
  v.mappings = m.reverse_map(pfn);
  if (auto f = m.folio_of(pfn)) {
    v.folio_first = f->first;
    v.folio_count = f->second.count;
    v.folio_refcount = f->second.refcount;
  }
  if (const PtNode* n = m.node(pfn)) {
    v.pt_node_asid = n->asid;
    v.pt_node_level = n->level;
  }
  return v;
}

}  // namespace glass::inspector::view
