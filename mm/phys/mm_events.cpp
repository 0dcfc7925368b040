// The bodies of mm's hooks (mm_events.h has the invariants): each builds its declared message and
// records it. Out of line on purpose: one copy of each body, whatever the number of call sites.
#include "mm/phys/mm_events.h"

namespace glass::telemetry::mm_events::detail {

void frame_run(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner) {
  report(msg::FrameRun{first, count, kind, owner});
}

void frame_run_free(uint64_t first, uint64_t count, uint8_t old_kind, uint32_t old_owner) {
  if (old_kind == static_cast<uint8_t>(mm::FrameKind::kPageTable))
    report(msg::NodeFreed{old_owner, first});
  report(msg::FrameRun{first, count, 0, 0});
}

void node_created(uint32_t asid, uint8_t level, uint64_t pfn, uint64_t parent, uint32_t index) {
  report(msg::NodeCreated{asid, level, pfn, parent, static_cast<uint16_t>(index)});
}

void entries(uint64_t node_pfn, uint32_t first, const uint64_t* values, uint32_t count) {
  uint32_t i = 0;
  while (i < count) {
    uint32_t j = i + 1;
    uint64_t stride = 0;
    if (j < count) {
      stride = values[j] - values[i];
      ++j;
      while (j < count && values[j] - values[j - 1] == stride) ++j;
    }
    report(msg::Entries{node_pfn, static_cast<uint16_t>(first + i), static_cast<uint16_t>(j - i),
                        EntriesMode::kProgression, values[i], stride, EntryDeltas{nullptr, 0}});
    i = j;
  }
}

void folio_ref(uint64_t first, uint64_t count, uint32_t refcount) {
  report(msg::FolioRef{first, count, refcount});
}

void cursor_begin(uint64_t id, uint32_t asid, uint64_t va_start, uint64_t va_end) {
  report(msg::CursorBegin{id, static_cast<uint8_t>(cpu()), asid, vpn_of(va_start),
                          (va_end - va_start) / 4096, id, ticks()});
}

void cursor_end(uint64_t id) {
  report(msg::CursorEnd{id, ticks()});
}

void lock_waiting(uint64_t cursor, uint64_t node_pfn) {
  report(msg::LockWaiting{cursor, node_pfn, ticks()});
}

void lock_acquired(uint64_t cursor, uint64_t node_pfn, uint64_t wait_ns) {
  report(msg::LockAcquired{cursor, node_pfn, wait_ns, ticks()});
}

void lock_released(uint64_t cursor, uint64_t node_pfn) {
  report(msg::LockReleased{cursor, node_pfn, ticks()});
}

}  // namespace glass::telemetry::mm_events::detail
