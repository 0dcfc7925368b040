// The state digest: a 64-bit hash of every frame's kind and owner ("frames") and one of every
// address space, page-table node and non-zero entry ("tables"), computed identically by the
// kernel (by a full scan) and by the inspector's model (incrementally), so a mismatch proves the
// two have diverged.
//
// Invariants:
//  - Each part is a wrapping sum of per-item terms, so it is independent of the order items are
//    visited and can be kept up to date by subtracting an item's old term and adding its new one.
//  - frames = sum over every pfn in 0 .. frame_count-1 of frame_term(pfn, kind, owner).
//    tables = sum of as_term over live address spaces + node_term over live page-table nodes +
//    entry_term over every entry of those nodes (entry_term of an empty entry is 0). A node shared
//    by several address spaces (the kernel half) counts once, under the asid that created it.
//  - Entry values are hashed with the Accessed and Dirty bits cleared: the MMU sets those without
//    the kernel emitting an event, and both sides must hash only what the stream describes.
//  - The terms below are the protocol (docs/telemetry.md): changing one is a version change.
#pragma once

#include <stdint.h>

namespace glass::telemetry {

inline constexpr uint64_t kEntryHardwareBits = (1ull << 5) | (1ull << 6);  // Accessed, Dirty

[[nodiscard]] constexpr uint64_t mix64(uint64_t x) {
  // The splitmix64 finaliser: every input bit affects every output bit.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

// Distinct salts keep, say, frame 7 from hashing like address space 7.
inline constexpr uint64_t kSaltFrame = 0x6672616d65ull;  // "frame"
inline constexpr uint64_t kSaltAs = 0x6173ull;           // "as"
inline constexpr uint64_t kSaltNode = 0x6e6f6465ull;     // "node"
inline constexpr uint64_t kSaltEntry = 0x656e747279ull;  // "entry"

[[nodiscard]] constexpr uint64_t frame_term(uint64_t pfn, uint8_t kind, uint32_t owner) {
  return mix64(mix64(pfn + kSaltFrame) ^ ((static_cast<uint64_t>(owner) << 8) | kind));
}
[[nodiscard]] constexpr uint64_t as_term(uint32_t asid, uint64_t root_pfn) {
  return mix64(mix64(asid + kSaltAs) ^ root_pfn);
}
[[nodiscard]] constexpr uint64_t node_term(uint64_t pfn, uint32_t asid, uint8_t level) {
  return mix64(mix64(pfn + kSaltNode) ^ ((static_cast<uint64_t>(asid) << 8) | level));
}
[[nodiscard]] constexpr uint64_t entry_term(uint64_t node_pfn, uint32_t index, uint64_t value) {
  uint64_t v = value & ~kEntryHardwareBits;
  if (v == 0) return 0;
  return mix64(mix64(((node_pfn << 9) | index) + kSaltEntry) ^ v);
}

struct Digest {
  uint64_t frames = 0;
  uint64_t tables = 0;
  friend constexpr bool operator==(const Digest&, const Digest&) = default;
};

// A running digest; the kernel feeds it everything in one scan, the model adds and removes.
class DigestAccumulator {
 public:
  void add_frames(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner) {
    for (uint64_t p = first; p < first + count; ++p) d_.frames += frame_term(p, kind, owner);
  }
  void remove_frames(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner) {
    for (uint64_t p = first; p < first + count; ++p) d_.frames -= frame_term(p, kind, owner);
  }
  void add_as(uint32_t asid, uint64_t root) { d_.tables += as_term(asid, root); }
  void remove_as(uint32_t asid, uint64_t root) { d_.tables -= as_term(asid, root); }
  void add_node(uint64_t pfn, uint32_t asid, uint8_t level) {
    d_.tables += node_term(pfn, asid, level);
  }
  void remove_node(uint64_t pfn, uint32_t asid, uint8_t level) {
    d_.tables -= node_term(pfn, asid, level);
  }
  void add_entry(uint64_t node, uint32_t index, uint64_t v) {
    d_.tables += entry_term(node, index, v);
  }
  void remove_entry(uint64_t node, uint32_t index, uint64_t v) {
    d_.tables -= entry_term(node, index, v);
  }
  void reset() { d_ = {}; }
  [[nodiscard]] Digest value() const { return d_; }

 private:
  Digest d_;
};

}  // namespace glass::telemetry
