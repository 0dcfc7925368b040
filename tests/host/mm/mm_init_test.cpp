// mm::init from a boot memory map: what ends up free, what is kept, and where the table goes.
#include <gtest/gtest.h>

#include "mm/phys/frame_ref.h"
#include "mm_fixture.h"

namespace glass::mm::testing {
namespace {

using MmInit = MmTest;

FrameKind kind_at(PhysAddr phys) {
  return load_kind(frame_table()[phys_to_pfn(phys)]);
}

TEST_F(MmInit, FreeFramesAreUsableMinusWhatBootKept) {
  const Stats s = stats();
  EXPECT_EQ(s.table_frames, 64 * kMiB / kFrameSize);
  EXPECT_EQ(s.usable_frames, kStandardUsable);
  EXPECT_EQ(s.boot_taken_frames, kStandardTaken);
  EXPECT_EQ(s.free_frames, kStandardFree);
  EXPECT_EQ(free_frames(), kStandardFree);
  uint64_t total = 0;
  for (uint64_t c : s.kind_frames) total += c;
  EXPECT_EQ(total, s.table_frames);
  EXPECT_EQ(s.kind_frames[index(FrameKind::kKernelImage)], 565u);
  EXPECT_EQ(s.kind_frames[index(FrameKind::kBootModule)], 2u);
  EXPECT_EQ(s.kind_frames[index(FrameKind::kBootInfo)], 2u);
  EXPECT_EQ(s.kind_frames[index(FrameKind::kFrameTable)], 128u);
}

TEST_F(MmInit, KindsFollowTheMap) {
  EXPECT_EQ(kind_at(0), FrameKind::kReserved);
  EXPECT_EQ(load_owner(frame_table()[0]), kOwnerLowMemory);
  EXPECT_EQ(kind_at(0xA0000), FrameKind::kReserved);  // not in any available range
  EXPECT_EQ(load_owner(frame_table()[0xA0]), kOwnerFirmware);
  EXPECT_EQ(kind_at(1 * kMiB), FrameKind::kKernelImage);
  EXPECT_EQ(kind_at(1 * kMiB + 0x234000), FrameKind::kKernelImage);  // partial last frame
  // The table goes to the first gap after the kernel image that fits it.
  EXPECT_EQ(kind_at(1 * kMiB + 0x235000), FrameKind::kFrameTable);
  EXPECT_EQ(kind_at(4 * kMiB), FrameKind::kBootModule);
  EXPECT_EQ(kind_at(4 * kMiB + 0x11000), FrameKind::kBootInfo);
  EXPECT_EQ(kind_at(48 * kMiB), FrameKind::kReserved);  // the hole
  EXPECT_EQ(kind_at(63 * kMiB), FrameKind::kReserved);
  EXPECT_EQ(kind_at(62 * kMiB), FrameKind::kFree);
}

TEST_F(MmInit, NothingHandedOutBelowOneMiBOrInsideReservedRanges) {
  // Drain all memory and check every block.
  uint64_t got = 0;
  for (;;) {
    auto r = alloc_frames(0, FrameKind::kBlockBuffer, 77);
    if (r.is_error()) {
      EXPECT_EQ(r.error(), Error::kOutOfMemory);
      break;
    }
    const PhysAddr p = r.value();
    ASSERT_GE(p, kLowMemoryEnd);
    ASSERT_FALSE(p >= 48 * kMiB && p < 49 * kMiB);
    ASSERT_FALSE(p >= 63 * kMiB);
    ++got;
  }
  EXPECT_EQ(got, kStandardFree);
  EXPECT_EQ(free_frames(), 0u);
  expect_clean();
  for (Pfn p = 0; p < frame_table().size(); ++p) {
    if (load_kind(frame_table()[p]) == FrameKind::kBlockBuffer) {
      ASSERT_TRUE(free_frames(pfn_to_phys(p), 0, FrameKind::kBlockBuffer).is_ok());
    }
  }
  EXPECT_EQ(free_frames(), kStandardFree);
}

TEST_F(MmInit, SecondInitIsRefused) {
  auto r = init(standard_map());
  ASSERT_TRUE(r.is_error());
  EXPECT_EQ(r.error(), Error::kAlreadyExists);
}

TEST_F(MmInit, MalformedMapsAreRejected) {
  host_reset();
  BootMemory wrap;
  (void)wrap.add_available(~0ull - 100, 1000);
  EXPECT_EQ(init(wrap).error(), Error::kMalformed);
  BootMemory tiny;
  (void)tiny.add_available(0, 0x9FC00);
  EXPECT_EQ(init(tiny).error(), Error::kOutOfMemory);
  BootMemory bad_kind;
  EXPECT_EQ(bad_kind.add_reserved(0, 10, FrameKind::kSlab).error(), Error::kInvalidArgument);
  // Leave a working mm behind for TearDown.
  ASSERT_TRUE(init(standard_map()).is_ok());
}

TEST_F(MmInit, QemuFourGigMapWithPciHole) {
  // What QEMU -m 4G reports: RAM up to 3 GiB, the PCI hole, the rest above 4 GiB.
  BootMemory b;
  (void)b.add_available(0, 0x9FC00);
  (void)b.add_available(1 * kMiB, 0xBFEE0000 - 1 * kMiB);
  (void)b.add_available(4096 * kMiB, 1024 * kMiB);
  (void)b.add_reserved(0xBFEE0000, 0x20000, FrameKind::kReserved);
  (void)b.add_reserved(0xFFFC0000, 0x40000, FrameKind::kReserved);
  (void)b.add_reserved(1 * kMiB, 0x200000, FrameKind::kKernelImage);
  reboot(5120 * kMiB, b);
  const Stats s = stats();
  EXPECT_EQ(s.table_frames, 5120 * kMiB / kFrameSize);
  const uint64_t usable = 159 + (0xBFEE0000 - 1 * kMiB) / kFrameSize + 1024 * kMiB / kFrameSize;
  EXPECT_EQ(s.usable_frames, usable);
  const uint64_t table = 5120 * kMiB / kFrameSize * sizeof(FrameDesc) / kFrameSize;
  EXPECT_EQ(s.free_frames, usable - 159 - 512 - table);
  EXPECT_EQ(kind_at(0xC0000000), FrameKind::kReserved);
  EXPECT_EQ(kind_at(0xFFFFF000), FrameKind::kReserved);
  EXPECT_EQ(kind_at(4096 * kMiB), FrameKind::kFree);
  // Max-order blocks come from both sides of the hole.
  auto a = alloc_frames(kMaxOrder, FrameKind::kLarge, 1);
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a.value() % (kFrameSize << kMaxOrder), 0u);
  ASSERT_TRUE(free_frames(a.value(), kMaxOrder, FrameKind::kLarge).is_ok());
  expect_clean();
}

TEST(MmKinds, ColoursAndNamesAreDefinedForEveryKind) {
  for (size_t k = 0; k < kFrameKindCount; ++k) {
    const auto kind = static_cast<FrameKind>(k);
    EXPECT_STRNE(kind_name(kind), "invalid");
    EXPECT_LE(kind_colour(kind), 0xFFFFFFu);
    for (size_t j = 0; j < k; ++j) EXPECT_NE(kKindColour[j], kKindColour[k]) << k << " vs " << j;
  }
  static_assert(sizeof(FrameDesc) == 32);
}

}  // namespace
}  // namespace glass::mm::testing
