// The Glass telemetry wire protocol: the one definition both the kernel and the inspector include.
// docs/telemetry.md describes every message in prose; this file is the authority.
//
// Invariants:
//  - Stream = frames. A frame on the wire is COBS(plain) followed by one 0x00 byte, where
//    plain = seq (u32 LE) | events... | crc32c(seq | events) (u32 LE). A reader that loses its
//    place drops bytes up to the next 0x00 and is back in step: framing always resynchronises.
//  - seq counts frames per direction (kernel->host and host->kernel separately) from 0 after
//    boot / connect, +1 per frame, wrapping at 2^32. A missing number is a gap.
//  - Frames hold whole events, never part of one; a frame's events need no other frame to decode
//    (no cross-frame deltas), so losing a frame loses exactly its own events.
//  - An event is a type byte (MsgType) followed by its fields: varints (LEB128), zigzag varints
//    for signed deltas, fixed little-endian ints where noted. The field lists are declared once,
//    in message_table.h, and change together with kProtocolVersion.
//  - The frame layout and the handshake's first two fields (magic, version) are frozen for every
//    version, so a mismatched peer can always say which version it met.
//  - Freestanding: <stdint.h>/<stddef.h> only.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/message_table.h"

// Expands a table row's fields to nothing (for uses that need only the row).
#define GLASS_NO_FIELD(tag, name)

namespace glass::telemetry {

// v2 added PING/PONG, WALK/walk_result and PAUSE/STEP/RESUME/demo_state; v3 added lock_waiting
// and folio_ref.
inline constexpr uint32_t kProtocolVersion = 3;
// "GLTM" as little-endian bytes: the handshake and the host's HELLO both start with it.
inline constexpr uint32_t kMagic = 0x4D544C47u;

// Bounds that keep every buffer fixed-size on both sides.
inline constexpr size_t kMaxPayload = 1024;      // event bytes in one frame
inline constexpr size_t kFrameOverhead = 4 + 4;  // seq + crc
inline constexpr size_t kMaxPlainFrame = kMaxPayload + kFrameOverhead;
inline constexpr size_t kMaxWireFrame = kMaxPlainFrame + kMaxPlainFrame / 254 + 1 + 1;  // +0x00
inline constexpr size_t kMaxText = 200;  // log line, panic message, KTAP name
inline constexpr uint32_t kEntriesPerNode = 512;
inline constexpr uint32_t kMaxLevel = 4;
inline constexpr uint32_t kMaxCpus = 255;              // cpu fields are one byte
inline constexpr uint64_t kMaxPfn = (1ull << 40) - 1;  // 52-bit physical addresses
// Virtual page numbers travel as 36 bits (va bits 12..47); the receiver sign-extends bit 47.
inline constexpr uint64_t kVpnBits = 36;
inline constexpr uint64_t kMaxVpn = (1ull << kVpnBits) - 1;
inline constexpr uint64_t kMaxPages = 1ull << kVpnBits;

// The worst-case event: an Entries batch of one full node must fit one frame.
//   type 1 + node 6 + first 2 + count 2 + mode 1 + value 10 + stride 10 + 512 deltas x 10
// does not, so an encoder splits Entries batches to fit; kMaxPayload only bounds frames.

// Message types, from the one table (message_table.h). 0x40..0x4f are reserved for block-request
// events (a later issue): a v3 reader rejects them.
enum class MsgType : uint8_t {
#define GLASS_MSGTYPE(Camel, snake, number, dir, ring, fields) k##Camel = number,
  GLASS_MESSAGES(GLASS_MSGTYPE, GLASS_NO_FIELD)
#undef GLASS_MSGTYPE
      kBlockFirst = 0x40,
  kBlockLast = 0x4f,
};
enum class Direction : uint8_t { kToHost, kToKernel };

// walk_result status. A walk that started carries the levels it read (at least one); the two
// refusals (unknown asid, non-canonical address) carry none.
enum class WalkStatus : uint8_t {
  kLeaf = 0,          // the last level holds a present leaf entry (4 KiB, 2 MiB or 1 GiB)
  kNotPresent = 1,    // the last level holds a non-present entry
  kUnknownAsid = 2,   // no live address space has that asid
  kNonCanonical = 3,  // the address is not canonical (bits 47..63 differ)
  kBadTable = 4,      // the last level's entry points outside the frame table (a bug, reported)
};
inline constexpr uint8_t kMaxWalkStatus = 4;
[[nodiscard]] constexpr bool walk_carries_levels(WalkStatus s) {
  return s != WalkStatus::kUnknownAsid && s != WalkStatus::kNonCanonical;
}

// One level of a page-table walk: the table (its frame), the index used and the raw entry there.
// Trivial (no member initializers): it lives inside Event's union.
struct WalkLevel {
  uint8_t level;
  uint16_t index;
  uint64_t table_pfn;  // the table's physical address is table_pfn << 12
  uint64_t entry;
};

// demo_state.state: what the demo workload is doing.
enum class DemoRun : uint8_t {
  kNone = 0,     // no demo is running: PAUSE/STEP/RESUME have nothing to act on
  kRunning = 1,  // running (after RESUME)
  kPaused = 2,   // blocked at a step boundary; `step` steps have begun so far
};
inline constexpr uint8_t kMaxDemoRun = 2;

// Entries encoding modes: values[i] = values[i-1] + stride (+ delta_i when kDeltas).
enum class EntriesMode : uint8_t {
  kProgression = 0,  // no per-entry bytes: a run of identical or evenly spaced entries
  kDeltas = 1,       // one zigzag varint per entry after the first
};

enum class KtapStatus : uint8_t { kNotOk = 0, kOk = 1, kSkip = 2 };

enum class LogLevel : uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

enum class SnapshotReason : uint8_t {
  kAttach = 0,          // first contact
  kGap = 1,             // a frame was lost or corrupted
  kDigestMismatch = 2,  // the model disagrees with the kernel's digest
  kModelError = 3,      // an event made no sense against the model (it had diverged)
  kUser = 4,            // asked for by hand
};

// The message's name ("frame_run"), or nullptr for a type this version does not know.
[[nodiscard]] constexpr const char* msg_name(MsgType t) {
  switch (t) {
#define GLASS_MSGNAME(Camel, snake, number, dir, ring, fields) \
  case MsgType::k##Camel:                                      \
    return #snake;
    GLASS_MESSAGES(GLASS_MSGNAME, GLASS_NO_FIELD)
#undef GLASS_MSGNAME
    case MsgType::kBlockFirst:
    case MsgType::kBlockLast:
      break;
  }
  return nullptr;
}

// Types this version's reader knows; everything else (including the reserved block range) is
// malformed.
[[nodiscard]] constexpr bool is_known(uint8_t t) {
  return msg_name(static_cast<MsgType>(t)) != nullptr;
}
// Commands a host sends; everything else travels kernel -> host.
[[nodiscard]] constexpr bool is_host_command(MsgType t) {
  switch (t) {
#define GLASS_MSGDIR(Camel, snake, number, dir, ring, fields) \
  case MsgType::k##Camel:                                     \
    return Direction::dir == Direction::kToKernel;
    GLASS_MESSAGES(GLASS_MSGDIR, GLASS_NO_FIELD)
#undef GLASS_MSGDIR
    default:
      return false;
  }
}

// Table index for per-type statistics.
inline constexpr size_t kMsgTypeSlots = 256;

// Fixed-size parts of the frame, pinned so no compiler or refactor moves them.
struct FrameHeader {
  uint8_t seq[4];  // u32 LE
};
struct FrameTrailer {
  uint8_t crc[4];  // u32 LE crc32c over header + payload
};
static_assert(sizeof(FrameHeader) == 4 && sizeof(FrameTrailer) == 4);
static_assert(kFrameOverhead == sizeof(FrameHeader) + sizeof(FrameTrailer));
static_assert(kMaxWireFrame == 1038, "wire frame bound changed: update docs/telemetry.md");
// The handshake's frozen prefix: type, magic, then the version as a varint.
inline constexpr size_t kHandshakeMagicOffset = 1;

// Canonical virtual addresses <-> 36-bit page numbers.
[[nodiscard]] constexpr uint64_t vpn_of(uint64_t va) {
  return (va >> 12) & kMaxVpn;
}
[[nodiscard]] constexpr uint64_t va_of(uint64_t vpn) {
  uint64_t va = (vpn & kMaxVpn) << 12;
  return (va & (1ull << 47)) ? (va | 0xffff000000000000ull) : va;
}
[[nodiscard]] constexpr bool is_canonical_page(uint64_t va) {
  return (va & 0xfff) == 0 && va_of(vpn_of(va)) == va;
}
static_assert(va_of(vpn_of(0xffff800000000000ull)) == 0xffff800000000000ull);
static_assert(va_of(vpn_of(0x00007ffffffff000ull)) == 0x00007ffffffff000ull);

}  // namespace glass::telemetry
