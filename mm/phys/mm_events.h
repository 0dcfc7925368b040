// The events mm reports: declared here, by mm, and implemented by whoever listens (in the kernel,
// kernel/telemetry/mm_events_kernel.cpp: cheap calls that append a raw record to this CPU's ring
// (kernel/telemetry/ring.h), never formatting bytes). The drain (channel_kernel.cpp) turns records
// into wire events later.
//
// Invariants:
//  - Every hook is a no-op unless a host is attached and streaming (one predictable branch on a
//    global flag in the kernel). On the host build (GLASS_HOST) every hook is an empty inline
//    function, except the cursor and lock hooks, which forward to a HostLockSink when a test
//    installs one (contention needs two CPUs, which only host threads give us); with none
//    installed (the default) they cost one relaxed load and record nothing.
//  - Hooks never block and never fail: a full ring becomes a counted `dropped` event.
//  - asid == the PageTable's owner id; a node's asid is the owner of its frame. The address-space
//    registry (as_registered/as_unregistered) is kept even while not streaming, because a
//    snapshot walks it; it is the only hook with state outside the rings.
//  - Callers report a change after making it and while still holding what protects it (the node
//    lock, the buddy claim), so records of one object are queued in the order the changes
//    happened on this CPU.
#pragma once

#include <stdint.h>

#include "mm/phys/frame_kind.h"
#include "protocol/wire.h"

#if GLASS_HOST
#include <atomic>
#endif

namespace glass::telemetry::mm_events {

#if GLASS_HOST
// type: kCursorBegin (node = the covering node), kCursorEnd (node 0), kLockWaiting,
// kLockAcquired (wait_ns set), kLockReleased. Called on the thread that did it.
using HostLockSink = void (*)(MsgType type, uint64_t cursor, uint64_t node_pfn, uint64_t wait_ns);
inline std::atomic<HostLockSink> g_host_lock_sink{nullptr};
namespace detail {
inline void to_sink(MsgType t, uint64_t cursor, uint64_t node, uint64_t wait_ns) {
  if (HostLockSink s = g_host_lock_sink.load(std::memory_order_acquire))
    s(t, cursor, node, wait_ns);
}
}  // namespace detail
inline void frame_run(uint64_t, uint64_t, uint8_t, uint32_t) {}
inline void frame_run_free(uint64_t, uint64_t, uint8_t, uint32_t) {}
inline void as_registered(uint32_t, uint64_t, bool) {}
inline void as_unregistered(uint32_t, uint64_t) {}
inline void cr3_switch(uint64_t) {}
inline void node_created(uint32_t, uint8_t, uint64_t, uint64_t, uint32_t) {}
inline void entries(uint64_t, uint32_t, const uint64_t*, uint32_t) {}
inline void folio_ref(uint64_t, uint64_t, uint32_t) {}
inline void cursor_begin(uint64_t id, uint32_t, uint64_t, uint64_t) {
  detail::to_sink(MsgType::kCursorBegin, id, id, 0);
}
inline void cursor_end(uint64_t id) {
  detail::to_sink(MsgType::kCursorEnd, id, 0, 0);
}
inline void lock_waiting(uint64_t cursor, uint64_t node_pfn) {
  detail::to_sink(MsgType::kLockWaiting, cursor, node_pfn, 0);
}
inline void lock_acquired(uint64_t cursor, uint64_t node_pfn, uint64_t wait_ns) {
  detail::to_sink(MsgType::kLockAcquired, cursor, node_pfn, wait_ns);
}
inline void lock_released(uint64_t cursor, uint64_t node_pfn) {
  detail::to_sink(MsgType::kLockReleased, cursor, node_pfn, 0);
}
[[nodiscard]] inline bool on() {
  return g_host_lock_sink.load(std::memory_order_relaxed) != nullptr;
}
#else
namespace detail {
extern bool g_on;  // a host is attached and the stream is live
void frame_run(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner);
void node_freed(uint32_t asid, uint64_t pfn);
void as_created(uint32_t asid, uint64_t root_pfn);
void as_destroyed(uint32_t asid);
void cr3_switch(uint64_t root_pfn);
void node_created(uint32_t asid, uint8_t level, uint64_t pfn, uint64_t parent, uint32_t index);
void entries(uint64_t node_pfn, uint32_t first, const uint64_t* values, uint32_t count);
void folio_ref(uint64_t first, uint64_t count, uint32_t refcount);
void cursor_begin(uint64_t id, uint32_t asid, uint64_t va_start, uint64_t va_end);
void cursor_end(uint64_t id);
void lock_waiting(uint64_t cursor, uint64_t node_pfn);
void lock_acquired(uint64_t cursor, uint64_t node_pfn, uint64_t wait_ns);
void lock_released(uint64_t cursor, uint64_t node_pfn);
void registry_add(uint32_t asid, uint64_t root_pfn, bool kernel_half);
void registry_remove(uint64_t root_pfn);
}  // namespace detail

[[nodiscard]] inline bool on() {
  return __builtin_expect(detail::g_on, 0);
}
// Frames [first, first + count) now have this kind and owner (an allocator handing out a block).
inline void frame_run(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner) {
  if (on()) detail::frame_run(first, count, kind, owner);
}
// Frames [first, first + count), which were `old_kind` owned by `old_owner`, are free again. A
// page-table frame going free is also the end of that node.
inline void frame_run_free(uint64_t first, uint64_t count, uint8_t old_kind, uint32_t old_owner) {
  if (!on()) return;
  if (old_kind == static_cast<uint8_t>(mm::FrameKind::kPageTable))
    detail::node_freed(old_owner, first);
  detail::frame_run(first, count, 0, 0);
}
// A page table came into being / is going away (its nodes are reported separately).
inline void as_registered(uint32_t asid, uint64_t root_pfn, bool kernel_half) {
  detail::registry_add(asid, root_pfn, kernel_half);
  if (on()) detail::as_created(asid, root_pfn);
}
inline void as_unregistered(uint32_t asid, uint64_t root_pfn) {
  detail::registry_remove(root_pfn);
  if (on()) detail::as_destroyed(asid);
}
// This CPU now translates through the table rooted at root_pfn.
inline void cr3_switch(uint64_t root_pfn) {
  if (on()) detail::cr3_switch(root_pfn);
}
// parent 0: a root.
inline void node_created(uint32_t asid, uint8_t level, uint64_t pfn, uint64_t parent,
                         uint32_t index) {
  if (on()) detail::node_created(asid, level, pfn, parent, index);
}
// Entries [first, first + count) of node_pfn now hold values[0..count).
inline void entries(uint64_t node_pfn, uint32_t first, const uint64_t* values, uint32_t count) {
  if (on()) detail::entries(node_pfn, first, values, count);
}
// The folio of frames [first, first + count) now holds `refcount` references (0: being freed).
inline void folio_ref(uint64_t first, uint64_t count, uint32_t refcount) {
  if (on()) detail::folio_ref(first, count, refcount);
}
inline void cursor_begin(uint64_t id, uint32_t asid, uint64_t va_start, uint64_t va_end) {
  if (on()) detail::cursor_begin(id, asid, va_start, va_end);
}
inline void cursor_end(uint64_t id) {
  if (on()) detail::cursor_end(id);
}
// The cursor found node_pfn locked and starts spinning for it; its lock_acquired follows.
inline void lock_waiting(uint64_t cursor, uint64_t node_pfn) {
  if (on()) detail::lock_waiting(cursor, node_pfn);
}
// wait_ns: how long the cursor spun for the lock (0: it was free).
inline void lock_acquired(uint64_t cursor, uint64_t node_pfn, uint64_t wait_ns) {
  if (on()) detail::lock_acquired(cursor, node_pfn, wait_ns);
}
inline void lock_released(uint64_t cursor, uint64_t node_pfn) {
  if (on()) detail::lock_released(cursor, node_pfn);
}
#endif

}  // namespace glass::telemetry::mm_events
