// Field codecs: what one field of a message is (its C++ type), which values it allows, how it is
// written and read, and how it is shown. message_table.h names one per field.
//
// Invariants:
//  - For every codec T: T::ok(v) is exactly "T::get can return v", and T::get(T::put(v)) == v for
//    every v with T::ok(v), so everything the encoder accepts decodes to what it was given
//    (tests/host/telemetry/message_roundtrip_test.cpp walks every declared field).
//  - `show` says how the text form prints a value (kDec, kHex, or kSpecial: the text form has
//    its own rule, e.g. a frame kind's name). No codec allocates or keeps state; freestanding.
//  - Codecs whose reading depends on earlier fields of the same message (Deltas needs count and
//    mode) take the message being decoded as a second argument.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "protocol/bytes.h"
#include "protocol/wire.h"

namespace glass::telemetry {

// How the text form shows a field: decimal, hex, by a rule of its own (a kind's name, a page
// number as its address), or not at all (another field shows it, or it never varies).
enum class Show : uint8_t { kDec, kHex, kSpecial, kHidden };

// Borrowed text: points into the frame it was decoded from (or the producer's string).
struct Text {
  const char* data;
  uint32_t len;
};
// An entries event's per-entry deltas, as zigzag varints on the wire (mode kDeltas only).
struct EntryDeltas {
  const uint8_t* data;
  uint32_t len;  // bytes
};
// The levels a walk read, level 4 first.
struct WalkLevels {
  uint8_t count;
  WalkLevel at[kMaxLevel];
};

namespace field {

// A varint of type V holding 0..Max.
template <typename V, uint64_t Max, Show S = Show::kDec>
struct VarintOf {
  using type = V;
  static constexpr Show show = S;
  [[nodiscard]] static constexpr bool ok(type v) { return static_cast<uint64_t>(v) <= Max; }
  static void put(ByteWriter& w, type v) { w.varint(static_cast<uint64_t>(v)); }
  [[nodiscard]] static Result<type> get(ByteReader& r) {
    return static_cast<type>(TRY(r.varint_max(Max)));
  }
};
// One byte of type V (an integer or an enum) holding 0..Max.
template <typename V, uint8_t Max, Show S = Show::kDec>
struct ByteOf {
  using type = V;
  static constexpr Show show = S;
  [[nodiscard]] static constexpr bool ok(type v) { return static_cast<uint8_t>(v) <= Max; }
  static void put(ByteWriter& w, type v) { w.u8(static_cast<uint8_t>(v)); }
  [[nodiscard]] static Result<type> get(ByteReader& r) {
    const uint8_t v = TRY(r.u8());
    if (v > Max) return Error::kMalformed;
    return static_cast<type>(v);
  }
};

using Varint = VarintOf<uint64_t, ~0ull>;
// An entries run's first value and stride: hidden in the text form, which shows the values.
using RunValue = VarintOf<uint64_t, ~0ull, Show::kHidden>;
using U32v = VarintOf<uint32_t, 0xffffffffu>;
using Owner = VarintOf<uint32_t, 0xffffffffu, Show::kHex>;
using Pfn = VarintOf<uint64_t, kMaxPfn, Show::kHex>;
using PfnCount = VarintOf<uint64_t, kMaxPfn + 1>;  // frames; a frame count
using Index = VarintOf<uint16_t, kEntriesPerNode - 1>;
using EntryCount = VarintOf<uint16_t, kEntriesPerNode>;
using Vpn = VarintOf<uint64_t, kMaxVpn, Show::kSpecial>;  // shown as its address
using Pages = VarintOf<uint64_t, kMaxPages>;
using CpuCount = VarintOf<uint32_t, kMaxCpus>;
// A time stamp: nanoseconds since boot on the wire; in a ring, raw ticks until the drain
// converts them (messages.h: for_each_time).
struct TimeNs : VarintOf<uint64_t, ~0ull> {};
using Cpu = ByteOf<uint8_t, 0xff>;
using Level = ByteOf<uint8_t, kMaxLevel>;  // 1..4: 0 is refused by Level's valid rule
using FrameKindField = ByteOf<uint8_t, 0xff, Show::kSpecial>;  // mm's FrameKind
using LogLevelField = ByteOf<uint8_t, static_cast<uint8_t>(LogLevel::kError)>;
using KtapStatusField = ByteOf<KtapStatus, 2, Show::kSpecial>;
using SnapshotReasonField = ByteOf<SnapshotReason, static_cast<uint8_t>(SnapshotReason::kUser)>;
using WalkStatusField = ByteOf<WalkStatus, kMaxWalkStatus, Show::kSpecial>;
using DemoRunField = ByteOf<DemoRun, kMaxDemoRun, Show::kSpecial>;
using EntriesModeField = ByteOf<EntriesMode, 1, Show::kHidden>;

// A fixed 8-byte little-endian value, shown in hex (digests, ids, raw addresses).
struct Hex64 {
  using type = uint64_t;
  static constexpr Show show = Show::kHex;
  [[nodiscard]] static constexpr bool ok(type) { return true; }
  static void put(ByteWriter& w, type v) { w.u64le(v); }
  [[nodiscard]] static Result<type> get(ByteReader& r) { return r.u64le(); }
};

// "GLTM", fixed 4 bytes: the handshake's and HELLO's frozen first field.
struct Magic {
  using type = uint32_t;
  static constexpr Show show = Show::kHidden;
  [[nodiscard]] static constexpr bool ok(type v) { return v == kMagic; }
  static void put(ByteWriter& w, type v) { w.u32le(v); }
  [[nodiscard]] static Result<type> get(ByteReader& r) {
    const uint32_t v = TRY(r.u32le());
    if (v != kMagic) return Error::kMalformed;
    return v;
  }
};

// The handshake's version: the fields after it belong to that version, so a reader of another
// version stops decoding there (and names both versions) instead of misreading them.
struct Version : U32v {
  static constexpr bool gates_rest = true;
};

// Length-prefixed bytes, at most kMaxText: a longer text is cut to its start, never refused.
struct Text {
  using type = telemetry::Text;
  static constexpr Show show = Show::kSpecial;
  [[nodiscard]] static constexpr bool ok(type) { return true; }
  static void put(ByteWriter& w, type v) {
    const uint32_t n = v.len > kMaxText ? static_cast<uint32_t>(kMaxText) : v.len;
    w.varint(n);
    w.bytes(v.data, n);
  }
  [[nodiscard]] static Result<type> get(ByteReader& r) {
    const uint64_t n = TRY(r.varint_max(kMaxText));
    const uint8_t* p = TRY(r.bytes(static_cast<size_t>(n)));
    return type{reinterpret_cast<const char*>(p), static_cast<uint32_t>(n)};
  }
};

// count - 1 zigzag varints when mode is kDeltas, nothing otherwise. put() writes the bytes as
// given (the entries splitter in encoder.h makes them); get() walks them once, so expanding
// them later (entry_values) cannot fail.
struct Deltas {
  using type = EntryDeltas;
  static constexpr Show show = Show::kSpecial;
  [[nodiscard]] static constexpr bool ok(type) { return true; }
  static void put(ByteWriter& w, type v) {
    if (v.len != 0) w.bytes(v.data, v.len);
  }
  template <typename M>
  [[nodiscard]] static Result<type> get(ByteReader& r, const M& m) {
    const uint8_t* start = r.here();
    const size_t at = r.position();
    if (m.mode == EntriesMode::kDeltas)
      for (uint32_t i = 1; i < m.count; ++i) (void)TRY(r.varint());
    return type{start, static_cast<uint32_t>(r.position() - at)};
  }
};

// count u8, then per level (4 first): level u8, table_pfn, index, entry u64le.
struct WalkLevels {
  using type = telemetry::WalkLevels;
  static constexpr Show show = Show::kSpecial;
  [[nodiscard]] static constexpr bool ok(const type& v) {
    if (v.count > kMaxLevel) return false;
    for (uint8_t i = 0; i < v.count; ++i)
      if (v.at[i].level != kMaxLevel - i || v.at[i].table_pfn > kMaxPfn ||
          v.at[i].index >= kEntriesPerNode)
        return false;
    return true;
  }
  static void put(ByteWriter& w, const type& v) {
    w.u8(v.count);
    for (uint8_t i = 0; i < v.count; ++i) {
      w.u8(v.at[i].level);
      w.varint(v.at[i].table_pfn);
      w.varint(v.at[i].index);
      w.u64le(v.at[i].entry);
    }
  }
  [[nodiscard]] static Result<type> get(ByteReader& r) {
    type v{};
    v.count = TRY(r.u8());
    if (v.count > kMaxLevel) return Error::kMalformed;
    for (uint8_t i = 0; i < v.count; ++i) {
      WalkLevel& l = v.at[i];
      l.level = TRY(r.u8());
      if (l.level != kMaxLevel - i) return Error::kMalformed;
      l.table_pfn = TRY(r.varint_max(kMaxPfn));
      l.index = static_cast<uint16_t>(TRY(r.varint_max(kEntriesPerNode - 1)));
      l.entry = TRY(r.u64le());
    }
    return v;
  }
};

}  // namespace field
}  // namespace glass::telemetry
