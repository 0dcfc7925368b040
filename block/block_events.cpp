// The bodies of block's hooks (block_events.h has the invariants): each builds its declared
// message and records it through mm's shared report(). Out of line for the same reason as mm's:
// one copy of each body, whatever the number of call sites.
#include "block/block_events.h"

namespace glass::telemetry::block_events::detail {

using mm_events::report;
using mm_events::detail::ticks;

void tag(uint32_t disk, uint32_t tag) {
  report(msg::BlockTag{disk, tag, ticks()});
}

void dispatch(uint32_t disk, uint32_t tag, uint32_t op, uint32_t sectors, uint64_t sector,
              uint64_t buffer_pfn, uint64_t frames) {
  report(msg::BlockDispatch{disk, tag, op, sectors, sector, buffer_pfn, frames, ticks()});
}

void ref(uint32_t disk, uint32_t tag, uint32_t refcount) {
  report(msg::BlockRef{disk, tag, refcount});
}

void device_done(uint32_t disk, uint32_t tag, uint32_t status) {
  report(msg::BlockDeviceDone{disk, tag, status, ticks()});
}

void timeout(uint32_t disk, uint32_t tag) {
  report(msg::BlockTimeout{disk, tag, ticks()});
}

void end(uint32_t disk, uint32_t tag, uint32_t status, uint32_t sectors, uint64_t sector,
         uint64_t buffer_pfn, uint64_t frames) {
  report(msg::BlockEnd{disk, tag, status, sectors, sector, buffer_pfn, frames, ticks()});
}

void tag_free(uint32_t disk, uint32_t tag) {
  report(msg::BlockTagFree{disk, tag, ticks()});
}

}  // namespace glass::telemetry::block_events::detail
