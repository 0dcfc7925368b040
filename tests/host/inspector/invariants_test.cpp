// Invariant warnings: each check fires on a state that breaks it and stays quiet on the same
// state made right; the direct map's exemption; effective rights; bounded output.
#include "inspector/view/invariants.h"

#include "inspector/view/entry_bits.h"
#include "inspector/view/outside_ram.h"

#include <gtest/gtest.h>

#include "tests/host/inspector/view_test_support.h"

namespace glass::inspector::view {
namespace {

using mm::FrameKind;
using testing::kind;
using testing::Wire;
constexpr uint64_t kData = Wire::kW | Wire::kU | Wire::kNx;

// One space, two user data pages on folio frames 0x500-0x501 (a folio of 2 with 2 references).
void clean(Wire& w) {
  w.space(1);
  w.frames(0x500, 2, kind(FrameKind::kFolio), 0x101);
  w.folio(0x500, 2, 2);
  w.map(1, 0x400000, 1, 0x500000, kData);
  w.map(1, 0x401000, 1, 0x501000, kData);
}

std::vector<ViolationKind> kinds(const std::vector<Violation>& v) {
  std::vector<ViolationKind> k;
  for (const auto& x : v) k.push_back(x.kind);
  return k;
}

TEST(Invariants, ACorrectStateHasNone) {
  Wire w;
  clean(w);
  auto v = check_invariants(w.model());
  EXPECT_TRUE(v.empty()) << v[0].text;
}

TEST(Invariants, MappedFrameFree) {
  Wire w;
  clean(w);
  w.map(1, 0x402000, 1, 0x600000, kData);  // frame 0x600 is free
  auto v = check_invariants(w.model());
  ASSERT_EQ(kinds(v), std::vector{ViolationKind::kMappedFrameFree});
  EXPECT_EQ(v[0].pfn, 0x600u);
  EXPECT_EQ(v[0].va, 0x402000u);
  EXPECT_EQ(v[0].asid, 1u);
  EXPECT_NE(v[0].text.find("free but mapped"), std::string::npos) << v[0].text;
  w.frames(0x600, 1, kind(FrameKind::kLarge), 7);  // now owned: fine
  EXPECT_TRUE(check_invariants(w.model()).empty());
}

TEST(Invariants, TheDirectMapMayMapFreeFramesAndHoles) {
  Wire w;
  clean(w);
  w.map(1, kDirectMapBase, 3, 0, Wire::kW | Wire::kNx);  // 1 GiB: free frames and beyond RAM
  EXPECT_TRUE(check_invariants(w.model()).empty());
  // The same physical range at another address is no direct map: it reaches beyond RAM, maps
  // free frames, and is one more mapping of the folio than it has references.
  w.map(1, kDirectMapBase + 0x40000000, 3, 0, Wire::kW | Wire::kNx);
  auto v = check_invariants(w.model());
  EXPECT_EQ(kinds(v),
            (std::vector{ViolationKind::kLeafBeyondFrameTable, ViolationKind::kMappedFrameFree,
                         ViolationKind::kFolioRefcountMismatch}));
}

// demo=mm's 1 GiB page (issue 16): with 512 MiB of RAM it maps virtual 8 GiB to physical 1 GiB,
// wholly beyond the frame table. No frame there can be allocated, so no owner is wronged: not a
// violation (the standard demo showed a red "leaf-beyond-frame-table" on every run), but a
// labelled note listing it. A page that straddles the end of RAM still is one.
TEST(Invariants, ALeafWhollyOutsideRamIsANoteNotAViolation) {
  Wire w(131072);  // 512 MiB
  clean(w);
  w.map(1, 8ull << 30, 3, 1ull << 30, Wire::kW | Wire::kU | Wire::kNx);
  const StateModel m = w.model();
  auto v = check_invariants(m);
  EXPECT_TRUE(v.empty()) << v[0].text;
  const auto notes = leaves_outside_ram(m);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].va, 8ull << 30);
  EXPECT_EQ(notes[0].phys, 1ull << 30);
  EXPECT_EQ(notes[0].level, 3);
  EXPECT_EQ(notes[0].asid, 1u);

  // A 2 MiB page whose second half is beyond the last frame: part RAM, part not.
  Wire s(131072 + 256);
  clean(s);
  s.frames(131072, 256, kind(FrameKind::kLarge), 0x101);
  s.map(1, 0x40000000, 2, 512ull << 20, kData);
  auto sv = check_invariants(s.model());
  ASSERT_EQ(kinds(sv), std::vector{ViolationKind::kLeafBeyondFrameTable});
  EXPECT_NE(sv[0].text.find("runs past the end"), std::string::npos) << sv[0].text;
  EXPECT_TRUE(leaves_outside_ram(s.model()).empty());
}

TEST(Invariants, NodeFrameNotPageTable) {
  Wire w;
  clean(w);
  const uint64_t root = w.root(1);
  w.frames(root, 1, kind(FrameKind::kSlab), 3);  // the root table's frame handed to a slab
  auto v = check_invariants(w.model());
  ASSERT_EQ(kinds(v), std::vector{ViolationKind::kNodeFrameNotPageTable});
  EXPECT_EQ(v[0].pfn, root);
  EXPECT_NE(v[0].text.find("slab"), std::string::npos) << v[0].text;
}

TEST(Invariants, WritableExecutableLeafUsesTheWalksRights) {
  Wire w;
  clean(w);
  w.map(1, 0x800000, 1, 0x500000, Wire::kW | Wire::kU);  // W and no NX
  auto v = check_invariants(w.model());
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0].kind, ViolationKind::kWritableExecutableLeaf);
  EXPECT_EQ(v[0].va, 0x800000u);
  // NX on the PML4 entry above makes every page below it non-executable.
  Wire nx;
  clean(nx);
  const uint64_t pt = nx.map(1, 0x800000, 1, 0x500000, Wire::kW | Wire::kU);
  (void)pt;
  const StateModel before = nx.model();
  const uint64_t pdpt = (before.node(nx.root(1))->entries[0] >> 12) & 0xffffffffffull;
  nx.set_entry(nx.root(1), 0, (pdpt << 12) | Wire::kP | Wire::kW | Wire::kU | Wire::kNx);
  nx.folio(0x500, 2, 3);  // three mappings now hold references
  EXPECT_TRUE(check_invariants(nx.model()).empty());
}

TEST(Invariants, FolioMappedMoreTimesThanItHasReferences) {
  Wire w;
  clean(w);
  w.folio(0x500, 2, 1);  // two entries map it, one reference
  auto v = check_invariants(w.model());
  ASSERT_EQ(kinds(v), std::vector{ViolationKind::kFolioRefcountMismatch});
  EXPECT_EQ(v[0].pfn, 0x500u);
  EXPECT_NE(v[0].text.find("refcount 1 but 2 entries"), std::string::npos) << v[0].text;
  w.folio(0x500, 2, 5);  // more references than mappings: handles hold the rest
  EXPECT_TRUE(check_invariants(w.model()).empty());
}

TEST(Invariants, LockOnANodeThatDoesNotExist) {
  Wire w;
  clean(w);
  w.cursor(3, 0, 1, 0x400000, 0x401000, 10);
  w.lock(3, 0x777, 0, 20);
  auto v = check_invariants(w.model());
  ASSERT_EQ(kinds(v), std::vector{ViolationKind::kLockOnUnknownNode});
  EXPECT_EQ(v[0].pfn, 0x777u);
  w.unlock(3, 0x777, 30);
  EXPECT_TRUE(check_invariants(w.model()).empty());
}

TEST(Invariants, OutputIsBounded) {
  Wire w;
  w.space(1);
  for (uint64_t i = 0; i < 300; ++i) w.map(1, 0x400000 + i * 4096, 1, 0x800000 + i * 4096, kData);
  auto v = check_invariants(w.model());
  ASSERT_EQ(v.size(), kMaxViolations + 1);
  EXPECT_EQ(v.back().kind, ViolationKind::kTruncated);
  EXPECT_NE(v.back().text.find("100 more"), std::string::npos) << v.back().text;
}

}  // namespace
}  // namespace glass::inspector::view
