// Allocation-failure injection over block operations (kernel/lib/fail_inject.h): a workload that
// sets up a ramdisk and a disk, moves data through every ramdisk mode, times a request out and
// removes the disk with one in flight, run once for every N = 1, 2, ... with the Nth allocation
// failing, until a run completes without reaching N. After every run: the workload reported
// kOutOfMemory (not a crash, not success), and nothing is left: mm's audit is clean, no
// block-buffer frame is held by a buffer or a ramdisk, no RequestRef is alive (the disk's
// destructor panics if a tag is still in use).
#include <gtest/gtest.h>

#include <cstdio>

#include "kernel/lib/fail_inject.h"
#include "tests/host/block/block_fixture.h"

namespace glass::block::testing {
namespace {

namespace fi = glass::fail_inject;

Result<void> io(Disk& d, Ramdisk& rd, Waiter& w, Op op, uint64_t sector, uint32_t sectors,
                BlockBuffer& buf) {
  TRY(d.submit(op, sector, sectors, buf, 0, w));
  Result<void> r = w.wait([&] { (void)rd.drain(); });
  buf = w.take_buffer();
  return r;
}

Result<void> workload() {
  Ramdisk rd;
  TRY(rd.init(256, 512, kStorageOwner));
  Disk d;
  TRY(d.init(DiskConfig().capacity_sectors(256).queue_depth(4), rd));
  rd.attach(d);
  Waiter w;
  for (Ramdisk::Mode m :
       {Ramdisk::Mode::kInline, Ramdisk::Mode::kDeferredRef, Ramdisk::Mode::kDeferredTag}) {
    rd.set_mode(m);
    BlockBuffer out = TRY(BlockBuffer::alloc(2, kBufferOwner));
    TRY(io(d, rd, w, Op::kWrite, 8, 16, out));
    BlockBuffer in = TRY(BlockBuffer::alloc(2, kBufferOwner));
    TRY(io(d, rd, w, Op::kRead, 8, 16, in));
  }
  rd.set_mode(Ramdisk::Mode::kNeverAnswers);
  BlockBuffer lost = TRY(BlockBuffer::alloc(1, kBufferOwner));
  TRY(d.read(0, 1, lost, 0, w));
  if (d.expire(~uint64_t{0}) != 1) return Error::kUnsupported;
  if (w.wait([] {}).is_ok()) return Error::kUnsupported;
  lost = w.take_buffer();
  rd.set_mode(Ramdisk::Mode::kDeferredRef);
  BlockBuffer gone = TRY(BlockBuffer::alloc(1, kBufferOwner));
  TRY(d.read(0, 1, gone, 0, w));
  if (d.remove() != 1) return Error::kUnsupported;
  if (w.wait([] {}).is_ok()) return Error::kUnsupported;
  gone = w.take_buffer();
  return {};
}

class BlockFailInject : public mm::testing::MmTest {
 protected:
  void TearDown() override {
    fi::disarm();
    MmTest::TearDown();
  }
};

TEST_F(BlockFailInject, EveryAllocationFailureIsReportedAndNothingLeaks) {
  const int64_t live = RequestRef::live();
  ASSERT_TRUE(workload().is_ok()) << "the workload must pass without injection";
  // After a warm-up run: whatever mm keeps cached from it is the baseline.
  const uint64_t free_before = mm::free_frames();
  uint64_t runs = 0, leaks = 0, points = 0;
  uint64_t per_site[fi::kSiteCount] = {};
  for (uint64_t n = 1;; ++n) {
    Result<void> r = Error::kUnsupported;
    uint64_t checks = 0, failures = 0;
    fi::Site site = fi::Site::kOther;
    {
      fi::ArmedScope armed(n);
      r = workload();
      checks = fi::checks();
      failures = fi::failures();
      site = fi::failed_site();
    }
    const bool leaked = !mm::audit().ok || mm::free_frames() != free_before ||
                        block_buffer_frames(kBufferOwner) != 0 ||
                        block_buffer_frames(kStorageOwner) != 0 || RequestRef::live() != live;
    if (leaked) ++leaks;
    EXPECT_FALSE(leaked) << "N=" << n << ": something was not given back";
    if (checks < n) {
      EXPECT_TRUE(r.is_ok()) << "N=" << n << ": no failure injected, yet " << error_name(r.error());
      points = checks;
      break;
    }
    ++runs;
    ++per_site[static_cast<unsigned>(site)];
    ASSERT_EQ(failures, 1u);
    ASSERT_TRUE(r.is_error()) << "N=" << n << ": an allocation failed and the workload succeeded";
    EXPECT_EQ(r.error(), Error::kOutOfMemory) << "N=" << n;
  }
  printf(
      "[ block    ] injection points %llu, runs %llu, leaks %llu, block-buffer %llu, other %llu\n",
      static_cast<unsigned long long>(points), static_cast<unsigned long long>(runs),
      static_cast<unsigned long long>(leaks),
      static_cast<unsigned long long>(per_site[static_cast<unsigned>(fi::Site::kBlockBuffer)]),
      static_cast<unsigned long long>(runs -
                                      per_site[static_cast<unsigned>(fi::Site::kBlockBuffer)]));
  EXPECT_GE(points, 9u) << "the ramdisk and eight buffers each allocate";
  EXPECT_EQ(runs, points);
  EXPECT_EQ(leaks, 0u);
}

}  // namespace
}  // namespace glass::block::testing
