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

// A tag (and so its preallocated request) was taken for a new request.
inline void tag(uint32_t disk, uint32_t tag) {
  if (mm_events::on()) detail::tag(disk, tag);
}
// The request went to the driver (its refcount is now 2).
inline void dispatch(uint32_t disk, uint32_t tag, uint32_t op, uint32_t sectors, uint64_t sector,
                     uint64_t buffer_pfn, uint64_t frames) {
  if (mm_events::on()) detail::dispatch(disk, tag, op, sectors, sector, buffer_pfn, frames);
}
// The request's refcount is now `refcount` (copy, drop, lookup, dispatch or end).
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
// The request ended (refcount 2 -> 0) with this status; its buffer goes back to the submitter.
inline void end(uint32_t disk, uint32_t tag, uint32_t status, uint32_t sectors, uint64_t sector,
                uint64_t buffer_pfn, uint64_t frames) {
  if (mm_events::on()) detail::end(disk, tag, status, sectors, sector, buffer_pfn, frames);
}
// The tag is free again (after an end, or when a submission failed before dispatch).
inline void tag_free(uint32_t disk, uint32_t tag) {
  if (mm_events::on()) detail::tag_free(disk, tag);
}

}  // namespace glass::telemetry::block_events
