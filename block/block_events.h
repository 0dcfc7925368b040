// The events block reports: declared here, by block, and recorded by the same listener as mm's
// (telemetry/recorder.cpp behind mm/phys/mm_events.h): a hook builds its declared message
// (protocol/message_table.h, 0x40..0x4f) and hands it to that one shared record(), which copies it
// into this CPU's ring. Block adds no listener state of its own, so whoever records mm records
// block too, and a trace orders both on one clock.
//
// Invariants:
//  - Every hook is an inline check (one predictable branch while nobody records) and, when
//    recording, a call to its out-of-line body (block_events.cpp).
//  - Hooks never block, never fail and never allocate; they may run in any context a request can
//    end in (a driver's completion, a timeout scan), because a push only touches ring memory.
//  - `tag` is the disk's global tag (queue * depth + index); `status` is 0 for success and
//    1 + the Error otherwise (status_of); `op` is 0 for a read and 1 for a write.
//  - A refcount change is reported by the thread that made it, with the value it left behind, so
//    the values of one request may arrive out of order across CPUs (the ring is per CPU).
//  - No record says what another already says, so a request's life costs as few records as it
//    can (each is a push a host-attached run pays for): block_dispatch means the tag was taken
//    and the refcount is 2, block_end means the refcount is 0 and the tag free again.
//    block_tag and block_tag_free are only for a tag taken and given back without a dispatch (a
//    submission refused after taking it). An inline request is three records: dispatch,
//    device_done, end.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "mm/phys/mm_events.h"

namespace glass::telemetry::block_events {

[[nodiscard]] constexpr uint32_t status_of(bool ok, Error e) {
  return ok ? 0u : 1u + static_cast<uint32_t>(e);
}

namespace detail {
void tag(uint32_t disk, uint32_t tag);
void dispatch(uint32_t disk, uint32_t tag, uint32_t op, uint32_t sectors, uint64_t sector,
              uint64_t buffer_pfn, uint64_t frames);
void ref(uint32_t disk, uint32_t tag, uint32_t refcount);
void device_done(uint32_t disk, uint32_t tag, uint32_t status);
void timeout(uint32_t disk, uint32_t tag);
void end(uint32_t disk, uint32_t tag, uint32_t status, uint32_t sectors, uint64_t sector,
         uint64_t buffer_pfn, uint64_t frames);
void tag_free(uint32_t disk, uint32_t tag);
}  // namespace detail

// A tag (and so its preallocated request) was taken for a request that is not dispatched: it is
// given back at once (block_tag_free follows). A dispatched request's block_dispatch says it.
inline void tag(uint32_t disk, uint32_t tag) {
  if (mm_events::on()) detail::tag(disk, tag);
}
// The request took its tag and went to the driver: its refcount is now 2 (no block_tag or
// block_ref says so).
inline void dispatch(uint32_t disk, uint32_t tag, uint32_t op, uint32_t sectors, uint64_t sector,
                     uint64_t buffer_pfn, uint64_t frames) {
  if (mm_events::on()) detail::dispatch(disk, tag, op, sectors, sector, buffer_pfn, frames);
}
// The request's refcount is now `refcount` (a copy, a drop or a lookup; dispatch and end have
// their own records).
inline void ref(uint32_t disk, uint32_t tag, uint32_t refcount) {
  if (mm_events::on()) detail::ref(disk, tag, refcount);
}
// The device said it finished the request (before the request is ended).
inline void device_done(uint32_t disk, uint32_t tag, uint32_t status) {
  if (mm_events::on()) detail::device_done(disk, tag, status);
}
// The request's deadline passed and the timeout won the right to end it.
inline void timeout(uint32_t disk, uint32_t tag) {
  if (mm_events::on()) detail::timeout(disk, tag);
}
// The request ended (refcount 2 -> 0, no block_ref says so) with this status; its buffer goes
// back to the submitter and its tag is free (no block_tag_free either).
inline void end(uint32_t disk, uint32_t tag, uint32_t status, uint32_t sectors, uint64_t sector,
                uint64_t buffer_pfn, uint64_t frames) {
  if (mm_events::on()) detail::end(disk, tag, status, sectors, sector, buffer_pfn, frames);
}
// The tag is free again without having been dispatched (a submission refused after taking it).
inline void tag_free(uint32_t disk, uint32_t tag) {
  if (mm_events::on()) detail::tag_free(disk, tag);
}

}  // namespace glass::telemetry::block_events
