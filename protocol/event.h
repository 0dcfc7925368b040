// Event: one decoded telemetry message, and decode_event(), which turns wire bytes into it.
//
// Invariants: decode_event either returns an Event whose every field is within the range the
// protocol allows (pfn <= kMaxPfn, level 1..4, index/first+count <= 512, cpu <= 255, text <=
// kMaxText, a walk's levels 4, 3, ... in order, no type outside this version's set) or kMalformed,
// and never reads outside the reader's bytes. Text and entry deltas are borrowed from the frame
// buffer: valid until that buffer is reused. An Entries event has been walked once during decoding,
// so entry_values() cannot fail on it. Freestanding: the kernel decodes the host's commands with
// the same code.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "protocol/bytes.h"
#include "protocol/wire.h"

namespace glass::telemetry {

struct Text {
  const char* data;
  uint32_t len;
};

struct Event {
  MsgType type;
  union {
    struct {
      uint32_t magic, version, cpu_count;
      uint64_t boot_id, build_id, ram_bytes, frame_count;
    } handshake;
    struct {
      uint64_t epoch, frame_count;
    } snapshot_begin;
    struct {
      uint64_t epoch, frames, tables;
    } digest;  // kSnapshotEnd and kDigest
    struct {
      uint8_t cpu;
      uint64_t count;
    } dropped;
    struct {
      uint64_t first, count;
      uint8_t kind;
      uint32_t owner;
    } frame_run;
    struct {
      uint32_t asid;
      uint64_t root;  // kAsCreated only
    } as;
    struct {
      uint8_t cpu;
      uint32_t asid;
      uint64_t t;
    } cr3;
    struct {
      uint32_t asid;
      uint8_t level;         // kNodeCreated only
      uint16_t index;        // kNodeCreated only
      uint64_t pfn, parent;  // parent: kNodeCreated only
    } node;
    struct {
      uint64_t node;
      uint16_t first, count;
      EntriesMode mode;
      uint64_t value0, stride;
      const uint8_t* deltas;  // count-1 zigzag varints when mode == kDeltas
      size_t delta_bytes;
    } entries;
    struct {
      uint64_t cursor;
      uint8_t cpu;
      uint32_t asid;
      uint64_t first_vpn, pages, covering, t;
    } cursor_begin;
    struct {
      uint64_t cursor, t;
    } cursor_end;
    struct {
      // kLockAcquired, kLockReleased and kLockWaiting; wait_ns: kLockAcquired only (0 otherwise)
      uint64_t cursor, node, wait_ns, t;
    } lock;
    struct {
      uint64_t first, count;  // the folio's frames [first, first + count)
      uint32_t refcount;      // references now held (0: the folio is being freed)
    } folio;                  // kFolioRef
    struct {
      uint8_t level;
      uint64_t t;
      Text text;
    } log;
    struct {
      KtapStatus status;
      uint64_t number;
      Text text;
    } ktap;
    struct {
      uint8_t cpu;
      uint64_t t;
      Text text;
    } panic;
    struct {
      uint32_t magic, version;
    } hello;
    struct {
      SnapshotReason reason;
    } request_snapshot;
    struct {
      uint64_t token;
    } ping;  // kPing and kPong
    struct {
      uint64_t token, va;  // va: as sent (kWalk may carry a non-canonical one)
      uint32_t asid;
    } walk;
    struct {
      uint64_t token, va;
      uint32_t asid;
      WalkStatus status;
      uint8_t count;  // levels[0..count): level 4 first
      WalkLevel levels[kMaxLevel];
    } walk_result;
    struct {
      DemoRun state;
      uint64_t step;
      uint32_t cr3_asid;
      Text label;
    } demo;
    struct {
      uint64_t overflows, line_errors;  // since the previous rx_lost
    } rx_lost;                          // kRxLost (issue 11)
  };
};
static_assert(__is_trivially_copyable(Event));

namespace event_detail {
[[nodiscard]] inline Result<Text> text(ByteReader& r) {
  uint64_t n = TRY(r.varint_max(kMaxText));
  const uint8_t* p = TRY(r.bytes(static_cast<size_t>(n)));
  return Text{reinterpret_cast<const char*>(p), static_cast<uint32_t>(n)};
}
[[nodiscard]] inline Result<uint8_t> u8_max(ByteReader& r, uint8_t max) {
  uint8_t v = TRY(r.u8());
  if (v > max) return Error::kMalformed;
  return v;
}
[[nodiscard]] inline Result<uint64_t> pfn(ByteReader& r) {
  return r.varint_max(kMaxPfn);
}
[[nodiscard]] inline Result<uint32_t> u32v(ByteReader& r) {
  return static_cast<uint32_t>(TRY(r.varint_max(0xffffffffu)));
}
[[nodiscard]] inline Result<uint64_t> t_ns(ByteReader& r) {
  return r.varint();
}

// Levels must run 4, 3, ... with no gap; the error statuses before any walk carry none.
[[nodiscard]] inline Result<void> walk_result(ByteReader& r, Event& e) {
  auto& w = e.walk_result;
  w.token = TRY(r.varint());
  w.asid = TRY(u32v(r));
  w.va = TRY(r.u64le());
  w.status = static_cast<WalkStatus>(TRY(u8_max(r, kMaxWalkStatus)));
  w.count = TRY(u8_max(r, kMaxLevel));
  const bool walked = walk_carries_levels(w.status);
  if (walked != (w.count != 0)) return Error::kMalformed;
  for (uint8_t i = 0; i < w.count; ++i) {
    WalkLevel& l = w.levels[i];
    l.level = TRY(r.u8());
    if (l.level != kMaxLevel - i) return Error::kMalformed;
    l.table_pfn = TRY(pfn(r));
    l.index = static_cast<uint16_t>(TRY(r.varint_max(kEntriesPerNode - 1)));
    l.entry = TRY(r.u64le());
  }
  return {};
}

// Walks the deltas once so later iteration cannot fail.
[[nodiscard]] inline Result<void> entries(ByteReader& r, Event& e) {
  auto& x = e.entries;
  x.node = TRY(pfn(r));
  x.first = static_cast<uint16_t>(TRY(r.varint_max(kEntriesPerNode - 1)));
  x.count = static_cast<uint16_t>(TRY(r.varint_max(kEntriesPerNode)));
  if (x.count == 0 || x.first + x.count > kEntriesPerNode) return Error::kMalformed;
  x.mode = static_cast<EntriesMode>(TRY(u8_max(r, 1)));
  x.value0 = TRY(r.varint());
  x.stride = TRY(r.varint());
  size_t start = r.position();
  x.deltas = r.here();
  if (x.mode == EntriesMode::kDeltas) {
    if (x.count < 2) return Error::kMalformed;
    for (uint32_t i = 1; i < x.count; ++i) (void)TRY(r.varint());
  }
  x.delta_bytes = r.position() - start;
  return {};
}
}  // namespace event_detail

// Decode one event from the reader (the type byte first). On error the reader's position is
// unspecified: a frame with one bad event is dropped whole, since nothing after it can be trusted.
[[nodiscard]] inline Result<Event> decode_event(ByteReader& r) {
  using namespace event_detail;
  Event e{};
  uint8_t t = TRY(r.u8());
  if (!is_known(t)) return Error::kMalformed;
  e.type = static_cast<MsgType>(t);
  switch (e.type) {
    case MsgType::kHandshake: {
      auto& h = e.handshake;
      h.magic = TRY(r.u32le());
      if (h.magic != kMagic) return Error::kMalformed;
      h.version = TRY(u32v(r));
      // Fields after the version belong to that version: a reader of another version stops here
      // and reports the mismatch instead of misreading them.
      if (h.version != kProtocolVersion) {
        (void)TRY(r.bytes(r.remaining()));  // the rest of this frame is in a foreign layout
        return e;
      }
      h.boot_id = TRY(r.u64le());
      h.build_id = TRY(r.u64le());
      h.ram_bytes = TRY(r.varint());
      h.frame_count = TRY(r.varint_max(kMaxPfn + 1));
      h.cpu_count = static_cast<uint32_t>(TRY(r.varint_max(kMaxCpus)));
      return e;
    }
    case MsgType::kSnapshotBegin:
      e.snapshot_begin.epoch = TRY(r.varint());
      e.snapshot_begin.frame_count = TRY(r.varint_max(kMaxPfn + 1));
      return e;
    case MsgType::kSnapshotEnd:
    case MsgType::kDigest:
      e.digest.epoch = TRY(r.varint());
      e.digest.frames = TRY(r.u64le());
      e.digest.tables = TRY(r.u64le());
      return e;
    case MsgType::kDropped:
      e.dropped.cpu = TRY(r.u8());
      e.dropped.count = TRY(r.varint());
      return e;
    case MsgType::kFrameRun: {
      auto& f = e.frame_run;
      f.first = TRY(pfn(r));
      f.count = TRY(r.varint_max(kMaxPfn + 1));
      if (f.count == 0 || f.first + f.count > kMaxPfn + 1) return Error::kMalformed;
      f.kind = TRY(r.u8());
      f.owner = TRY(u32v(r));
      return e;
    }
    case MsgType::kAsCreated:
      e.as.asid = TRY(u32v(r));
      e.as.root = TRY(pfn(r));
      return e;
    case MsgType::kAsDestroyed:
      e.as.asid = TRY(u32v(r));
      return e;
    case MsgType::kCr3Switch:
      e.cr3.cpu = TRY(r.u8());
      e.cr3.asid = TRY(u32v(r));
      e.cr3.t = TRY(t_ns(r));
      return e;
    case MsgType::kNodeCreated: {
      auto& n = e.node;
      n.asid = TRY(u32v(r));
      n.level = TRY(u8_max(r, kMaxLevel));
      if (n.level == 0) return Error::kMalformed;
      n.pfn = TRY(pfn(r));
      n.parent = TRY(pfn(r));
      n.index = static_cast<uint16_t>(TRY(r.varint_max(kEntriesPerNode - 1)));
      return e;
    }
    case MsgType::kNodeFreed:
      e.node.asid = TRY(u32v(r));
      e.node.pfn = TRY(pfn(r));
      return e;
    case MsgType::kEntries:
      TRY(entries(r, e));
      return e;
    case MsgType::kCursorBegin: {
      auto& c = e.cursor_begin;
      c.cursor = TRY(r.varint());
      c.cpu = TRY(r.u8());
      c.asid = TRY(u32v(r));
      c.first_vpn = TRY(r.varint_max(kMaxVpn));
      c.pages = TRY(r.varint_max(kMaxPages));
      c.covering = TRY(pfn(r));
      c.t = TRY(t_ns(r));
      return e;
    }
    case MsgType::kCursorEnd:
      e.cursor_end.cursor = TRY(r.varint());
      e.cursor_end.t = TRY(t_ns(r));
      return e;
    case MsgType::kFolioRef: {
      auto& f = e.folio;
      f.first = TRY(pfn(r));
      f.count = TRY(r.varint_max(kMaxPfn + 1));
      if (f.count == 0 || f.first + f.count > kMaxPfn + 1) return Error::kMalformed;
      f.refcount = TRY(u32v(r));
      return e;
    }
    case MsgType::kLockAcquired:
    case MsgType::kLockReleased:
    case MsgType::kLockWaiting:
      e.lock.cursor = TRY(r.varint());
      e.lock.node = TRY(pfn(r));
      if (e.type == MsgType::kLockAcquired) e.lock.wait_ns = TRY(r.varint());
      e.lock.t = TRY(t_ns(r));
      return e;
    case MsgType::kLog:
      e.log.level = TRY(u8_max(r, static_cast<uint8_t>(LogLevel::kError)));
      e.log.t = TRY(t_ns(r));
      e.log.text = TRY(text(r));
      return e;
    case MsgType::kKtap:
      e.ktap.status = static_cast<KtapStatus>(TRY(u8_max(r, 2)));
      e.ktap.number = TRY(r.varint());
      e.ktap.text = TRY(text(r));
      return e;
    case MsgType::kPanic:
      e.panic.cpu = TRY(r.u8());
      e.panic.t = TRY(t_ns(r));
      e.panic.text = TRY(text(r));
      return e;
    case MsgType::kHello:
      e.hello.magic = TRY(r.u32le());
      if (e.hello.magic != kMagic) return Error::kMalformed;
      e.hello.version = TRY(u32v(r));
      return e;
    case MsgType::kRequestSnapshot:
      e.request_snapshot.reason =
          static_cast<SnapshotReason>(TRY(u8_max(r, static_cast<uint8_t>(SnapshotReason::kUser))));
      return e;
    case MsgType::kDetach:
    case MsgType::kPause:
    case MsgType::kStep:
    case MsgType::kResume:
      return e;
    case MsgType::kPing:
    case MsgType::kPong:
      e.ping.token = TRY(r.varint());
      return e;
    case MsgType::kWalk:
      e.walk.token = TRY(r.varint());
      e.walk.asid = TRY(u32v(r));
      e.walk.va = TRY(r.u64le());
      return e;
    case MsgType::kWalkResult:
      TRY(walk_result(r, e));
      return e;
    case MsgType::kDemoState:
      e.demo.state = static_cast<DemoRun>(TRY(u8_max(r, kMaxDemoRun)));
      e.demo.step = TRY(r.varint());
      e.demo.cr3_asid = TRY(u32v(r));
      e.demo.label = TRY(text(r));
      return e;
    case MsgType::kRxLost:
      e.rx_lost.overflows = TRY(r.varint());
      e.rx_lost.line_errors = TRY(r.varint());
      return e;
    case MsgType::kBlockFirst:
    case MsgType::kBlockLast:
      break;
  }
  return Error::kMalformed;
}

// Expand an Entries event into out[0..count). Cannot fail on an event decode_event produced
// (the deltas were walked there), except for a too-small `out`.
[[nodiscard]] inline Result<size_t> entry_values(const Event& e, uint64_t* out, size_t cap) {
  const auto& x = e.entries;
  if (e.type != MsgType::kEntries) return Error::kInvalidArgument;
  if (cap < x.count) return Error::kOverflow;
  ByteReader r(x.deltas, x.delta_bytes);
  uint64_t v = x.value0;
  out[0] = v;
  for (uint32_t i = 1; i < x.count; ++i) {
    v += x.stride;
    if (x.mode == EntriesMode::kDeltas) v += static_cast<uint64_t>(TRY(r.svarint()));
    out[i] = v;
  }
  return static_cast<size_t>(x.count);
}

}  // namespace glass::telemetry
