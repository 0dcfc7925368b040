// The telemetry messages, declared once: name, number, direction, whether mm records it into a
// ring, and its typed fields in wire order. Everything else is derived from this table:
// MsgType and msg_name (wire.h), the message structs, Event and the ring's Record (messages.h),
// the encoder (encoder.h), the decoder (event.h), the text form (inspector/model/event_text.cpp),
// the inspector's event log and the Perfetto export. docs/telemetry.md, "Adding an event", says
// how to add one.
//
// Invariants:
//  - X(Camel, snake, number, dir, ring, FIELDS): Camel names the struct (msg::Camel) and the
//    MsgType (kCamel); snake names the Event/Record member and the text form; number is the type
//    byte on the wire and never changes meaning within a protocol version; dir is kToHost or
//    kToKernel; ring is kRing when mm reports it through mm_events.h (the ring carries it typed),
//    else kNoRing.
//  - FIELDS is F(Tag, name) per field, in wire order; Tag is a field codec from fields.h (its
//    C++ type, range, encoding and how it is shown). Changing a field's tag, order or presence
//    changes the bytes: bump kProtocolVersion (wire.h) with it.
//  - Cross-field rules (a count that must fit after a first) are in messages.h's valid().
//  - Pure macro text, no includes: wire.h needs it before anything else exists.
#pragma once

// clang-format off
#define GLASS_MESSAGES(X, F)                                                                      \
  /* kernel -> host: session and consistency */                                                  \
  X(Handshake, handshake, 0x01, kToHost, kNoRing,                                                 \
    F(Magic, magic) F(Version, version) F(Hex64, boot_id) F(Hex64, build_id) F(Varint, ram_bytes) \
    F(PfnCount, frame_count) F(CpuCount, cpu_count))                                              \
  X(SnapshotBegin, snapshot_begin, 0x02, kToHost, kNoRing, F(Varint, epoch) F(PfnCount, frame_count)) \
  X(SnapshotEnd, snapshot_end, 0x03, kToHost, kNoRing,                                            \
    F(Varint, epoch) F(Hex64, frames) F(Hex64, tables))                                           \
  X(Digest, digest, 0x04, kToHost, kNoRing, F(Varint, epoch) F(Hex64, frames) F(Hex64, tables))   \
  X(Dropped, dropped, 0x05, kToHost, kRing, F(Cpu, cpu) F(Varint, count))                         \
  /* kernel -> host: answers to commands (v2) */                                                  \
  X(Pong, pong, 0x06, kToHost, kNoRing, F(Varint, token))                                         \
  X(WalkResult, walk_result, 0x07, kToHost, kNoRing,                                              \
    F(Varint, token) F(U32v, asid) F(Hex64, va) F(WalkStatusField, status) F(WalkLevels, levels)) \
  X(DemoState, demo_state, 0x08, kToHost, kNoRing,                                                \
    F(DemoRunField, state) F(Varint, step) F(U32v, cr3_asid) F(Text, label))                      \
  /* kernel -> host: host bytes lost before decoding, each count since the previous rx_lost */   \
  X(RxLost, rx_lost, 0x09, kToHost, kNoRing, F(Varint, overflows) F(Varint, line_errors))        \
  /* kernel -> host: state changes */                                                             \
  X(FrameRun, frame_run, 0x10, kToHost, kRing,                                                    \
    F(Pfn, first) F(PfnCount, count) F(FrameKindField, kind) F(Owner, owner))                     \
  X(AsCreated, as_created, 0x11, kToHost, kRing, F(U32v, asid) F(Pfn, root))                      \
  X(AsDestroyed, as_destroyed, 0x12, kToHost, kRing, F(U32v, asid))                               \
  X(Cr3Switch, cr3_switch, 0x13, kToHost, kRing, F(Cpu, cpu) F(U32v, asid) F(TimeNs, t))          \
  X(NodeCreated, node_created, 0x14, kToHost, kRing,                                              \
    F(U32v, asid) F(Level, level) F(Pfn, pfn) F(Pfn, parent) F(Index, index))                     \
  X(NodeFreed, node_freed, 0x15, kToHost, kRing, F(U32v, asid) F(Pfn, pfn))                       \
  X(Entries, entries, 0x16, kToHost, kRing,                                                       \
    F(Pfn, node) F(Index, first) F(EntryCount, count) F(EntriesModeField, mode) F(RunValue, value0) \
    F(RunValue, stride) F(Deltas, deltas))                                                          \
  X(FolioRef, folio_ref, 0x17, kToHost, kRing, F(Pfn, first) F(PfnCount, count) F(U32v, refcount)) \
  /* kernel -> host: activity */                                                                  \
  X(CursorBegin, cursor_begin, 0x20, kToHost, kRing,                                              \
    F(Varint, cursor) F(Cpu, cpu) F(U32v, asid) F(Vpn, first_vpn) F(Pages, pages)                 \
    F(Pfn, covering) F(TimeNs, t))                                                                \
  X(CursorEnd, cursor_end, 0x21, kToHost, kRing, F(Varint, cursor) F(TimeNs, t))                  \
  X(LockAcquired, lock_acquired, 0x22, kToHost, kRing,                                            \
    F(Varint, cursor) F(Pfn, node) F(Varint, wait_ns) F(TimeNs, t))                               \
  X(LockReleased, lock_released, 0x23, kToHost, kRing, F(Varint, cursor) F(Pfn, node) F(TimeNs, t)) \
  X(LockWaiting, lock_waiting, 0x24, kToHost, kRing, F(Varint, cursor) F(Pfn, node) F(TimeNs, t)) \
  X(Log, log, 0x30, kToHost, kNoRing, F(LogLevelField, level) F(TimeNs, t) F(Text, text))         \
  X(Ktap, ktap, 0x31, kToHost, kNoRing, F(KtapStatusField, status) F(Varint, number) F(Text, name)) \
  X(Panic, panic, 0x32, kToHost, kNoRing, F(Cpu, cpu) F(TimeNs, t) F(Text, text))                 \
  /* kernel -> host: block requests (0x41..0x4e; 0x40 and 0x4f stay wire.h's kBlockFirst and */ \
  /* kBlockLast markers). block/block_events.h reports them. tag: the disk's global          */ \
  /* tag (queue * depth + index); status: 0 ok, else 1 + the Error; op: 0 read, 1 write */        \
  X(BlockTag, block_tag, 0x41, kToHost, kRing, F(U32v, disk) F(U32v, tag) F(TimeNs, t))          \
  X(BlockDispatch, block_dispatch, 0x42, kToHost, kRing,                                          \
    F(U32v, disk) F(U32v, tag) F(U32v, op) F(U32v, sectors) F(Varint, sector) F(Pfn, buffer)     \
    F(PfnCount, frames) F(TimeNs, t))                                                             \
  X(BlockRef, block_ref, 0x43, kToHost, kRing, F(U32v, disk) F(U32v, tag) F(U32v, refcount))     \
  X(BlockDeviceDone, block_device_done, 0x44, kToHost, kRing,                                     \
    F(U32v, disk) F(U32v, tag) F(U32v, status) F(TimeNs, t))                                      \
  X(BlockTimeout, block_timeout, 0x45, kToHost, kRing, F(U32v, disk) F(U32v, tag) F(TimeNs, t))  \
  X(BlockEnd, block_end, 0x46, kToHost, kRing,                                                    \
    F(U32v, disk) F(U32v, tag) F(U32v, status) F(U32v, sectors) F(Varint, sector) F(Pfn, buffer) \
    F(PfnCount, frames) F(TimeNs, t))                                                             \
  X(BlockTagFree, block_tag_free, 0x47, kToHost, kRing, F(U32v, disk) F(U32v, tag) F(TimeNs, t)) \
  /* host -> kernel */                                                                            \
  X(Hello, hello, 0x60, kToKernel, kNoRing, F(Magic, magic) F(U32v, version))                     \
  X(RequestSnapshot, request_snapshot, 0x61, kToKernel, kNoRing, F(SnapshotReasonField, reason))  \
  X(Detach, detach, 0x62, kToKernel, kNoRing, )                                                   \
  X(Ping, ping, 0x63, kToKernel, kNoRing, F(Varint, token))                                       \
  X(Walk, walk, 0x64, kToKernel, kNoRing, F(Varint, token) F(U32v, asid) F(Hex64, va))            \
  X(Pause, pause, 0x65, kToKernel, kNoRing, )                                                     \
  X(Step, step, 0x66, kToKernel, kNoRing, )                                                       \
  X(Resume, resume, 0x67, kToKernel, kNoRing, )
// clang-format on
