// The events mm reports: declared here, by mm, and recorded by whoever listens (telemetry/
// recorder.h, in the kernel and on the host alike). A hook builds the declared message
// (protocol/message_table.h) and hands it, typed, to one shared recording function that copies it
// into this CPU's ring (protocol/event_ring.h): no bytes formatted, nothing allocated. The drain
// (telemetry/drain.h) turns records into wire events later.
//
// Why the check is inline and the rest out of line (mm_events.cpp, then one shared record()):
// a call site costs one predictable branch while nobody listens and a call when someone does,
// and one copy of each body is what TCG translates. Measured with `./glass bench telemetry`
// (docs/telemetry.md, *Busy time*): the hooks' own time fell from ~2.2 ms to ~0.5 ms per demo
// when the push stopped building and copying a whole Record at every call site.
//
// Invariants:
//  - Every hook is a no-op unless a listener is recording (one predictable branch on a global
//    pointer). The listener sets g_rings only while no mm operation is in flight.
//  - Hooks never block and never fail: a full ring becomes a counted `dropped` event.
//  - No interrupt handler reports mm events (the page-fault path is a synchronous exception, and
//    a push touches only ring memory, which cannot fault), so a push is never interrupted by
//    another push on its CPU and needs no cli/sti.
//  - asid == the PageTable's owner id; a node's asid is the owner of its frame. The address-space
//    registry (as_registered/as_unregistered) is kept even while not recording, because a
//    snapshot walks it; it is the only hook with state outside the rings.
//  - Callers report a change after making it and while still holding what protects it (the node
//    lock, the buddy claim), so records of one object are queued in the order the changes
//    happened on this CPU.
//  - Time fields hold raw ticks (the TSC; on the host, a clock the listener may replace so traces
//    are deterministic); the drain converts them to nanoseconds.
#pragma once

#include <stdint.h>

#include "kernel/lib/platform.h"
#include "mm/phys/frame_kind.h"
#include "protocol/event_ring.h"
#include "protocol/messages.h"

namespace glass::telemetry::mm_events {

// What the listener provides (telemetry/recorder.cpp); mm only reads it.
namespace detail {
extern EventRing* g_rings;  // null: not recording; else one ring per CPU
extern bool g_per_cpu;      // more than one CPU records: index the rings by current_cpu()
#if GLASS_HOST
extern uint64_t (*g_clock)();  // the host's time stamps (replaceable: deterministic traces)
#else
extern uint64_t g_record_ticks;  // TSC ticks spent inside the hooks (the benchmark's figure)
#endif
void cr3_switch(uint64_t root_pfn);  // looks the asid up in the registry: out of line, rare
void registry_add(uint32_t asid, uint64_t root_pfn, bool kernel_half);
void registry_remove(uint64_t root_pfn);

[[nodiscard]] inline uint64_t ticks() {
#if GLASS_HOST
  return g_clock();
#else
  return __builtin_ia32_rdtsc();
#endif
}
[[nodiscard]] inline unsigned cpu() {
  return g_per_cpu ? platform::current_cpu() : 0;
}
// Copies the message (size bytes of a msg:: struct of this type) into this CPU's ring; defined
// by the listener (telemetry/recorder.cpp), which also times it (the benchmark's record_us).
void record(MsgType type, const void* message, uint32_t size);
}  // namespace detail

[[nodiscard]] inline bool on() {
  return __builtin_expect(detail::g_rings != nullptr, 0);
}
// Records one declared message (if recording).
template <typename M>
inline void report(const M& m) {
  static_assert(M::kRecorded, "only messages marked kRing in message_table.h go through a ring");
  if (detail::g_rings == nullptr) return;
  detail::record(M::kType, &m, static_cast<uint32_t>(sizeof m));
}

// The hooks. Each is an inline check and, when recording, a call to its out-of-line body
// (mm_events.cpp), so a call site costs one branch while nobody listens and stays small when
// someone does.
namespace detail {
void frame_run(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner);
void frame_run_free(uint64_t first, uint64_t count, uint8_t old_kind, uint32_t old_owner);
void node_created(uint32_t asid, uint8_t level, uint64_t pfn, uint64_t parent, uint32_t index);
void entries(uint64_t node_pfn, uint32_t first, const uint64_t* values, uint32_t count);
void folio_ref(uint64_t first, uint64_t count, uint32_t refcount);
void cursor_begin(uint64_t id, uint32_t asid, uint64_t va_start, uint64_t va_end);
void cursor_end(uint64_t id);
void lock_waiting(uint64_t cursor, uint64_t node_pfn);
void lock_acquired(uint64_t cursor, uint64_t node_pfn, uint64_t wait_ns);
void lock_released(uint64_t cursor, uint64_t node_pfn);
}  // namespace detail

// Frames [first, first + count) now have this kind and owner (an allocator handing out a block).
inline void frame_run(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner) {
  if (on()) detail::frame_run(first, count, kind, owner);
}
// Frames [first, first + count), which were `old_kind` owned by `old_owner`, are free again. A
// page-table frame going free is also the end of that node.
inline void frame_run_free(uint64_t first, uint64_t count, uint8_t old_kind, uint32_t old_owner) {
  if (on()) detail::frame_run_free(first, count, old_kind, old_owner);
}
// A page table came into being / is going away (its nodes are reported separately).
inline void as_registered(uint32_t asid, uint64_t root_pfn, bool kernel_half) {
  detail::registry_add(asid, root_pfn, kernel_half);
  if (on()) report(msg::AsCreated{asid, root_pfn});
}
inline void as_unregistered(uint32_t asid, uint64_t root_pfn) {
  detail::registry_remove(root_pfn);
  if (on()) report(msg::AsDestroyed{asid});
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
// Entries [first, first + count) of node_pfn now hold values[0..count): one record per
// arithmetic run (identical entries, or consecutive frames with equal flags), so mapping or
// clearing a whole node is one record.
inline void entries(uint64_t node_pfn, uint32_t first, const uint64_t* values, uint32_t count) {
  if (on()) detail::entries(node_pfn, first, values, count);
}
// The folio of frames [first, first + count) now holds `refcount` references (0: being freed).
inline void folio_ref(uint64_t first, uint64_t count, uint32_t refcount) {
  if (on()) detail::folio_ref(first, count, refcount);
}
// A cursor's id is its covering node (unique among live cursors).
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

}  // namespace glass::telemetry::mm_events
