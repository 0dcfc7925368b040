// decode_event(), which turns wire bytes into an Event (messages.h), field by field as the table
// (message_table.h) declares them.
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
#include "protocol/messages.h"
#include "protocol/wire.h"

namespace glass::telemetry {

namespace event_detail {
// Reads m's fields in order. A Version field of another value stops there: the rest of the frame
// is in a foreign layout (the caller reports the mismatch, naming both versions).
template <typename M>
[[nodiscard]] Result<void> read_fields(ByteReader& r, M& m) {
  Result<void> res;
  bool foreign = false;
  msg::for_each_field(m, [&](auto codec, auto& v, const char*) {
    using C = decltype(codec);
    if (foreign || res.is_error()) return;
    auto got = [&] {
      if constexpr (requires { C::get(r, m); })
        return C::get(r, m);
      else
        return C::get(r);
    }();
    if (got.is_error()) {
      res = got.error();
      return;
    }
    v = got.value();
    if constexpr (requires { C::gates_rest; }) {
      if (v != kProtocolVersion) {
        foreign = true;
        (void)r.bytes(r.remaining());
      }
    }
  });
  if (res.is_error()) return res;
  if (!foreign && !msg::valid(m)) return Error::kMalformed;
  return {};
}
}  // namespace event_detail

// Decode one event from the reader (the type byte first). On error the reader's position is
// unspecified: a frame with one bad event is dropped whole, since nothing after it can be trusted.
[[nodiscard]] inline Result<Event> decode_event(ByteReader& r) {
  Event e{};
  const uint8_t t = TRY(r.u8());
  if (!is_known(t)) return Error::kMalformed;
  e.type = static_cast<MsgType>(t);
  Result<void> res;
  (void)visit(e, [&](auto& m) { res = event_detail::read_fields(r, m); });
  TRY(res);
  return e;
}

// Expand an Entries event into out[0..count). Cannot fail on an event decode_event produced
// (the deltas were walked there), except for a too-small `out`.
[[nodiscard]] inline Result<size_t> entry_values(const Event& e, uint64_t* out, size_t cap) {
  const auto& x = e.entries;
  if (e.type != MsgType::kEntries) return Error::kInvalidArgument;
  if (cap < x.count) return Error::kOverflow;
  ByteReader r(x.deltas.data, x.deltas.len);
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
