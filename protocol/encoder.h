// The telemetry encoder: append one event to a caller-provided buffer, and seal a buffer of events
// into a wire frame. This is what the kernel calls; the host uses it for commands and tests. The
// bytes of every message come from its declaration (message_table.h) through message().
//
// Invariants:
//  - Every event function appends one whole event or nothing: if it does not fit it returns
//    kOverflow and the writer is exactly as before (the caller seals the frame and retries in a
//    fresh one). Arguments outside the protocol's ranges are kInvalidArgument, also writing
//    nothing, so everything this encoder emits decodes (tests/host/telemetry round-trip it).
//  - No allocation, no locks, no global state: safe with interrupts off, on any CPU, per-CPU
//    buffers need no coordination. Cost is a few shifts per field.
//  - entries() is the one event that may take less than asked: it returns how many entries it
//    encoded (>= 1), so a batch larger than a frame is split across events by the caller's loop.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "protocol/bytes.h"
#include "protocol/cobs.h"
#include "protocol/crc32c.h"
#include "protocol/messages.h"
#include "protocol/wire.h"

namespace glass::telemetry {

struct HandshakeInfo {
  uint64_t boot_id = 0;      // random per boot: a new value means "the kernel restarted"
  uint64_t build_id = 0;     // identifies the kernel binary (e.g. a hash of its build)
  uint64_t ram_bytes = 0;    // usable RAM the kernel saw
  uint64_t frame_count = 0;  // frames in the descriptor table (pfn 0 .. frame_count-1)
  uint32_t cpu_count = 0;
  uint32_t version = kProtocolVersion;  // tests set another value to provoke a mismatch
};

namespace encode {
namespace detail {
// Run f(w); undo everything it wrote if anything did not fit.
template <typename F>
[[nodiscard]] Result<void> atomically(ByteWriter& w, F&& f) {
  size_t mark = w.size();
  f(w);
  if (w.overflowed()) {
    w.rollback(mark);
    return Error::kOverflow;
  }
  return {};
}
template <typename M>
void put_fields(ByteWriter& o, const M& m) {
  o.u8(static_cast<uint8_t>(M::kType));
  msg::for_each_field(m, [&](auto codec, const auto& v, const char*) { codec.put(o, v); });
}
[[nodiscard]] constexpr Text text(const char* s, size_t n) {
  return Text{s, static_cast<uint32_t>(n > kMaxText ? kMaxText : n)};
}
}  // namespace detail

// The one encoder: any declared message (msg::X{...}, or the message an Event or Record holds).
// kInvalidArgument (nothing written) when a field is out of its range or a cross-field rule
// fails; kOverflow (nothing written) when it does not fit.
template <typename M>
[[nodiscard]] Result<void> message(ByteWriter& w, const M& m) {
  if (!msg::fields_ok(m) || !msg::valid(m)) return Error::kInvalidArgument;
  return detail::atomically(w, [&](ByteWriter& o) { detail::put_fields(o, m); });
}
template <typename Tagged>
requires(__is_same(Tagged, Event) || __is_same(Tagged, Record))
    [[nodiscard]] Result<void> message(ByteWriter& w, const Tagged& e) {
  Result<void> r = Error::kInvalidArgument;
  (void)visit(e, [&](const auto& m) { r = message(w, m); });
  return r;
}

// Conveniences for call sites that have the fields at hand. Each builds the declared message and
// calls message(); a new event needs none of these.
[[nodiscard]] inline Result<void> handshake(ByteWriter& w, const HandshakeInfo& h) {
  return message(w, msg::Handshake{kMagic, h.version, h.boot_id, h.build_id, h.ram_bytes,
                                   h.frame_count, h.cpu_count});
}

[[nodiscard]] inline Result<void> snapshot_begin(ByteWriter& w, uint64_t epoch,
                                                 uint64_t frame_count) {
  return message(w, msg::SnapshotBegin{epoch, frame_count});
}

// kSnapshotEnd closes a snapshot; kDigest is the periodic check. Both carry the digest of the
// state after every event before them (protocol/digest.h).
[[nodiscard]] inline Result<void> digest(ByteWriter& w, bool snapshot_end, uint64_t epoch,
                                         uint64_t frames, uint64_t tables) {
  if (snapshot_end) return message(w, msg::SnapshotEnd{epoch, frames, tables});
  return message(w, msg::Digest{epoch, frames, tables});
}

[[nodiscard]] inline Result<void> dropped(ByteWriter& w, uint8_t cpu, uint64_t count) {
  return message(w, msg::Dropped{cpu, count});
}

[[nodiscard]] inline Result<void> frame_run(ByteWriter& w, uint64_t first, uint64_t count,
                                            uint8_t kind, uint32_t owner) {
  return message(w, msg::FrameRun{first, count, kind, owner});
}

[[nodiscard]] inline Result<void> as_created(ByteWriter& w, uint32_t asid, uint64_t root_pfn) {
  return message(w, msg::AsCreated{asid, root_pfn});
}

[[nodiscard]] inline Result<void> as_destroyed(ByteWriter& w, uint32_t asid) {
  return message(w, msg::AsDestroyed{asid});
}

[[nodiscard]] inline Result<void> cr3_switch(ByteWriter& w, uint8_t cpu, uint32_t asid,
                                             uint64_t t_ns) {
  return message(w, msg::Cr3Switch{cpu, asid, t_ns});
}

// parent_pfn 0 marks a root (pfn 0 is real-mode memory and never a page-table node).
[[nodiscard]] inline Result<void> node_created(ByteWriter& w, uint32_t asid, uint8_t level,
                                               uint64_t pfn, uint64_t parent_pfn, uint32_t index) {
  if (index >= kEntriesPerNode) return Error::kInvalidArgument;
  return message(w, msg::NodeCreated{asid, level, pfn, parent_pfn, static_cast<uint16_t>(index)});
}

[[nodiscard]] inline Result<void> node_freed(ByteWriter& w, uint32_t asid, uint64_t pfn) {
  return message(w, msg::NodeFreed{asid, pfn});
}

// Entries values[0..count) of node `node_pfn` starting at index `first` now hold these values.
// Encodes a prefix (>= 1 entry) and returns its length: a leading arithmetic run (identical
// entries, or consecutive pages with equal flags) of 8 or more becomes one fixed-size event; other
// entries cost one zigzag delta each against "previous + stride".
[[nodiscard]] inline Result<uint32_t> entries(ByteWriter& w, uint64_t node_pfn, uint32_t first,
                                              const uint64_t* values, uint32_t count) {
  if (node_pfn > kMaxPfn || count == 0 || first >= kEntriesPerNode ||
      count > kEntriesPerNode - first)
    return Error::kInvalidArgument;
  uint64_t stride = count >= 2 ? values[1] - values[0] : 0;
  uint32_t run = 1;
  while (run < count && values[run] - values[run - 1] == stride) ++run;
  constexpr uint32_t kMinRun = 8;
  const bool progression = run == count || run >= kMinRun;
  auto header = [&](uint32_t n, EntriesMode mode) {
    return msg::Entries{node_pfn,  static_cast<uint16_t>(first), static_cast<uint16_t>(n), mode,
                        values[0], n < 2 ? 0 : stride,           EntryDeltas{nullptr, 0}};
  };
  if (progression) {
    TRY(message(w, header(run, EntriesMode::kProgression)));
    return run;
  }
  // Deltas: take as many entries as fit what is left of the writer.
  size_t room = w.capacity() - w.size();
  uint32_t n = 1;
  size_t need = 1 + varint_size(node_pfn) + varint_size(first) + 2 + 1 + varint_size(values[0]) +
                varint_size(stride);
  if (need > room) return Error::kOverflow;
  while (n < count) {
    size_t d = varint_size(zigzag(static_cast<int64_t>(values[n] - values[n - 1] - stride)));
    if (need + d > room) break;
    need += d;
    ++n;
  }
  const msg::Entries m = header(n, n < 2 ? EntriesMode::kProgression : EntriesMode::kDeltas);
  TRY(detail::atomically(w, [&](ByteWriter& o) {
    detail::put_fields(o, m);  // deltas (empty in m) follow as the last field
    if (n >= 2)
      for (uint32_t i = 1; i < n; ++i)
        o.svarint(static_cast<int64_t>(values[i] - values[i - 1] - stride));
  }));
  return n;
}

// va_end is exclusive and may be the end of the canonical half (e.g. 2^47), so only its page
// count is checked.
[[nodiscard]] inline Result<void> cursor_begin(ByteWriter& w, uint64_t cursor, uint8_t cpu,
                                               uint32_t asid, uint64_t va_start, uint64_t va_end,
                                               uint64_t covering_pfn, uint64_t t_ns) {
  if (!is_canonical_page(va_start) || va_end < va_start || (va_end & 0xfff) ||
      (va_end - va_start) / 4096 > kMaxPages)
    return Error::kInvalidArgument;
  return message(w, msg::CursorBegin{cursor, cpu, asid, vpn_of(va_start),
                                     (va_end - va_start) / 4096, covering_pfn, t_ns});
}

[[nodiscard]] inline Result<void> cursor_end(ByteWriter& w, uint64_t cursor, uint64_t t_ns) {
  return message(w, msg::CursorEnd{cursor, t_ns});
}

// wait_ns: how long the cursor spun for this node lock (0 when it was free).
[[nodiscard]] inline Result<void> lock_acquired(ByteWriter& w, uint64_t cursor, uint64_t node_pfn,
                                                uint64_t wait_ns, uint64_t t_ns) {
  return message(w, msg::LockAcquired{cursor, node_pfn, wait_ns, t_ns});
}

[[nodiscard]] inline Result<void> lock_released(ByteWriter& w, uint64_t cursor, uint64_t node_pfn,
                                                uint64_t t_ns) {
  return message(w, msg::LockReleased{cursor, node_pfn, t_ns});
}

// The cursor found node_pfn locked by another cursor and starts waiting for it (v3). The
// lock_acquired that ends the wait carries how long it took.
[[nodiscard]] inline Result<void> lock_waiting(ByteWriter& w, uint64_t cursor, uint64_t node_pfn,
                                               uint64_t t_ns) {
  return message(w, msg::LockWaiting{cursor, node_pfn, t_ns});
}

// The folio of frames [first, first + count) now holds `refcount` references (v3). Not part of
// the digest: a refcount changes without any frame changing kind or owner.
[[nodiscard]] inline Result<void> folio_ref(ByteWriter& w, uint64_t first, uint64_t count,
                                            uint32_t refcount) {
  return message(w, msg::FolioRef{first, count, refcount});
}

// Text longer than kMaxText is cut to its first kMaxText bytes.
[[nodiscard]] inline Result<void> log(ByteWriter& w, LogLevel level, uint64_t t_ns, const char* s,
                                      size_t n) {
  return message(w, msg::Log{static_cast<uint8_t>(level), t_ns, detail::text(s, n)});
}

[[nodiscard]] inline Result<void> ktap(ByteWriter& w, KtapStatus status, uint64_t number,
                                       const char* name, size_t n) {
  return message(w, msg::Ktap{status, number, detail::text(name, n)});
}

[[nodiscard]] inline Result<void> panic(ByteWriter& w, uint8_t cpu, uint64_t t_ns, const char* s,
                                        size_t n) {
  return message(w, msg::Panic{cpu, t_ns, detail::text(s, n)});
}

// Host -> kernel commands.
[[nodiscard]] inline Result<void> hello(ByteWriter& w, uint32_t version = kProtocolVersion) {
  return message(w, msg::Hello{kMagic, version});
}

[[nodiscard]] inline Result<void> request_snapshot(ByteWriter& w, SnapshotReason reason) {
  return message(w, msg::RequestSnapshot{reason});
}

[[nodiscard]] inline Result<void> detach(ByteWriter& w) {
  return message(w, msg::Detach{});
}

[[nodiscard]] inline Result<void> ping(ByteWriter& w, uint64_t token) {
  return message(w, msg::Ping{token});
}

// Any va travels (the kernel answers a non-canonical one with an error status).
[[nodiscard]] inline Result<void> walk(ByteWriter& w, uint64_t token, uint32_t asid, uint64_t va) {
  return message(w, msg::Walk{token, asid, va});
}

// kPause, kStep or kResume: the demo controls, no fields.
[[nodiscard]] inline Result<void> demo_control(ByteWriter& w, MsgType t) {
  switch (t) {
    case MsgType::kPause:
      return message(w, msg::Pause{});
    case MsgType::kStep:
      return message(w, msg::Step{});
    case MsgType::kResume:
      return message(w, msg::Resume{});
    default:
      return Error::kInvalidArgument;
  }
}

// Kernel -> host answers.
[[nodiscard]] inline Result<void> pong(ByteWriter& w, uint64_t token) {
  return message(w, msg::Pong{token});
}

// levels[0..count) from level 4 down; count 0 exactly for the error statuses.
[[nodiscard]] inline Result<void> walk_result(ByteWriter& w, uint64_t token, uint32_t asid,
                                              uint64_t va, WalkStatus status,
                                              const WalkLevel* levels, uint8_t count) {
  if (count > kMaxLevel) return Error::kInvalidArgument;
  WalkLevels l{};
  l.count = count;
  for (uint8_t i = 0; i < count; ++i) l.at[i] = levels[i];
  return message(w, msg::WalkResult{token, asid, va, status, l});
}

// Text longer than kMaxText is cut to its first kMaxText bytes.
[[nodiscard]] inline Result<void> demo_state(ByteWriter& w, DemoRun state, uint64_t step,
                                             uint32_t cr3_asid, const char* label, size_t n) {
  return message(w, msg::DemoState{state, step, cr3_asid, detail::text(label, n)});
}

// Host bytes the kernel lost before decoding them, since the previous rx_lost: `overflows` found
// the receive queue full, `line_errors` are the UART's (overrun, parity, framing, break).
[[nodiscard]] inline Result<void> rx_lost(ByteWriter& w, uint64_t overflows, uint64_t line_errors) {
  return message(w, msg::RxLost{overflows, line_errors});
}

}  // namespace encode

// Seal `payload` (whole events, at most kMaxPayload bytes) as frame `seq`: writes
// COBS(seq | payload | crc32c) and the 0x00 delimiter into out, returning the bytes written
// (at most kMaxWireFrame). A writer of kernel telemetry may also send a lone 0x00 first so a
// reader that attached mid-frame resynchronises at once.
[[nodiscard]] inline Result<size_t> encode_frame(uint32_t seq, const uint8_t* payload, size_t n,
                                                 uint8_t* out, size_t cap) {
  if (n > kMaxPayload) return Error::kInvalidArgument;
  uint8_t head[4] = {static_cast<uint8_t>(seq), static_cast<uint8_t>(seq >> 8),
                     static_cast<uint8_t>(seq >> 16), static_cast<uint8_t>(seq >> 24)};
  uint32_t crc = crc32c_update(crc32c(head, 4), payload, n);
  if (cap == 0) return Error::kOverflow;
  CobsWriter c(out, cap - 1);
  for (uint8_t b : head) c.put(b);
  for (size_t i = 0; i < n; ++i) c.put(payload[i]);
  for (int i = 0; i < 4; ++i) c.put(static_cast<uint8_t>(crc >> (8 * i)));
  size_t len = TRY(c.finish());
  out[len] = 0;
  return len + 1;
}

// A frame in the making: a fixed payload buffer the caller fills with encode:: calls, then seals.
// Invariant: payload() always holds whole events (each encode:: call is all-or-nothing).
class FrameBuilder {
 public:
  FrameBuilder() : w_(buf_, kMaxPayload) {}
  FrameBuilder(const FrameBuilder&) = delete;
  FrameBuilder& operator=(const FrameBuilder&) = delete;

  [[nodiscard]] ByteWriter& writer() { return w_; }
  [[nodiscard]] bool empty() const { return w_.size() == 0; }
  [[nodiscard]] size_t size() const { return w_.size(); }
  [[nodiscard]] const uint8_t* payload() const { return buf_; }
  // Seal into out and start over empty.
  [[nodiscard]] Result<size_t> seal(uint32_t seq, uint8_t* out, size_t cap) {
    size_t n = TRY(encode_frame(seq, buf_, w_.size(), out, cap));
    w_.rollback(0);
    return n;
  }

 private:
  uint8_t buf_[kMaxPayload];
  ByteWriter w_;
};

}  // namespace glass::telemetry
