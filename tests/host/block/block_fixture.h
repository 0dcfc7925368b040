// Shared set-up for block host tests: the real mm booted over the simulated arena (MmTest), a
// ramdisk and a disk in front of it, and the checks every test ends with: nothing leaked (mm audit
// clean, the frame census back to where it started, every tag free, no RequestRef alive).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "block/disk.h"
#include "block/ramdisk.h"
#include "mm/phys/frames.h"
#include "tests/host/mm/mm_fixture.h"

namespace glass::block::testing {

inline constexpr mm::OwnerId kBufferOwner = mm::kOwnerDynamicBase + 0x40;
inline constexpr mm::OwnerId kStorageOwner = mm::kOwnerDynamicBase + 0x41;

// Frames of the block-buffer kind held by `owner`, as the frame map shows them.
inline uint64_t block_buffer_frames(mm::OwnerId owner) {
  const mm::FrameTable& t = mm::frame_table();
  uint64_t n = 0;
  for (mm::Pfn p = 0; p < t.size(); ++p) {
    if (mm::load_kind(t[p]) == mm::FrameKind::kBlockBuffer && mm::load_owner(t[p]) == owner) ++n;
  }
  return n;
}

// A buffer of `frames` block-buffer frames, every byte `fill`.
inline BlockBuffer make_buffer(uint64_t frames, uint8_t fill) {
  auto r = BlockBuffer::alloc(frames, kBufferOwner);
  EXPECT_TRUE(r.is_ok());
  BlockBuffer s = r.release_value();
  s.with_mapped([&](mm::PageBytes b) {
    for (auto& byte : b) byte = fill;
  });
  return s;
}

inline uint8_t byte_at(const BlockBuffer& s, uint64_t i) {
  uint8_t v = 0;
  EXPECT_TRUE(s.with_pointer_into(i, 1, [&](uint8_t* p) { v = *p; }).is_ok());
  return v;
}

class BlockTest : public mm::testing::MmTest {
 public:
  static constexpr uint64_t kSectors = 2048;  // 1 MiB of 512-byte blocks

 protected:
  void SetUp() override {
    MmTest::SetUp();
    live_at_start_ = RequestRef::live();
    ramdisk_ = std::make_unique<Ramdisk>();
    ASSERT_TRUE(ramdisk_->init(kSectors, 512, kStorageOwner).is_ok());
    disk_ = std::make_unique<Disk>();
    ASSERT_TRUE(
        disk_->init(DiskConfig().queue_depth(8).queues(2).capacity_sectors(kSectors), *ramdisk_)
            .is_ok());
    ramdisk_->attach(*disk_);
  }
  void TearDown() override {
    if (disk_) {
      EXPECT_TRUE(disk_->idle()) << "tags in use: " << disk_->tags().in_use();
    }
    EXPECT_EQ(RequestRef::live(), live_at_start_) << "RequestRef objects outstanding";
    EXPECT_EQ(block_buffer_frames(kBufferOwner), 0u) << "block buffers leaked";
    disk_.reset();
    ramdisk_.reset();
    EXPECT_EQ(block_buffer_frames(kStorageOwner), 0u) << "ramdisk storage leaked";
    MmTest::TearDown();
  }

  std::unique_ptr<Ramdisk> ramdisk_;
  std::unique_ptr<Disk> disk_;
  int64_t live_at_start_ = 0;
};

}  // namespace glass::block::testing
