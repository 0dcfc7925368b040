// Disk and Ramdisk: the builder's limits, data written and read back in every ramdisk mode, bad
// input refused with the documented error and nothing taken, injected device errors surfacing as
// errors with nothing leaked, timeouts ending a request the device never answers, and a disk
// that went away failing both its in-flight requests and new ones instead of hanging.
#include <gtest/gtest.h>

#include "block/disk.h"
#include "block/ramdisk.h"
#include "tests/host/block/block_fixture.h"

namespace glass::block::testing {
namespace {

class DiskTest : public BlockTest {
 protected:
  // Submits and, in deferred modes, drains until done; returns the outcome and frees the buffer
  // it got back (or kept, on a refused submission) into `out`.
  Result<void> run(Op op, uint64_t sector, uint32_t sectors, BlockBuffer& buf,
                   uint32_t offset = 0) {
    Result<void> s = disk_->submit(op, sector, sectors, buf, offset, waiter_);
    if (s.is_error()) return s;
    Result<void> r = waiter_.wait([&] { (void)ramdisk_->drain(); });
    buf = waiter_.take_buffer();
    return r;
  }
  Waiter waiter_;
};

TEST_F(DiskTest, TheBuilderRefusesWhatTheDiskCannotBe) {
  EXPECT_TRUE(DiskConfig().capacity_sectors(1).check().is_ok());
  EXPECT_TRUE(DiskConfig().capacity_sectors(0).check().is_error());
  EXPECT_TRUE(DiskConfig().capacity_sectors(8).queue_depth(0).check().is_error());
  EXPECT_TRUE(DiskConfig().capacity_sectors(8).queue_depth(65).check().is_error());
  EXPECT_TRUE(DiskConfig().capacity_sectors(8).queue_depth(64).check().is_ok());
  EXPECT_TRUE(DiskConfig().capacity_sectors(8).queues(5).check().is_error());
  EXPECT_TRUE(DiskConfig().capacity_sectors(8).logical_block_size(768).check().is_error());
  EXPECT_TRUE(DiskConfig().capacity_sectors(8).logical_block_size(8192).check().is_error());
  EXPECT_TRUE(DiskConfig().capacity_sectors(8).logical_block_size(4096).check().is_ok());
  EXPECT_TRUE(DiskConfig().capacity_sectors(8).timeout_ns(0).check().is_error());
  Disk d;
  Result<void> r = d.init(DiskConfig().capacity_sectors(8).queues(9), *ramdisk_);
  ASSERT_TRUE(r.is_error());
  EXPECT_EQ(r.error(), Error::kInvalidArgument);
  EXPECT_EQ(disk_->init(DiskConfig().capacity_sectors(8), *ramdisk_).error(),
            Error::kAlreadyExists);
}

TEST_F(DiskTest, WhatIsWrittenIsReadBackInEveryMode) {
  const Ramdisk::Mode modes[] = {Ramdisk::Mode::kInline, Ramdisk::Mode::kDeferredRef,
                                 Ramdisk::Mode::kDeferredTag};
  uint8_t fill = 0x10;
  for (Ramdisk::Mode m : modes) {
    ramdisk_->set_mode(m);
    BlockBuffer w = make_buffer(2, fill);
    ASSERT_TRUE(run(Op::kWrite, 100, 16, w).is_ok());
    BlockBuffer r = make_buffer(2, 0);
    ASSERT_TRUE(run(Op::kRead, 100, 16, r).is_ok());
    EXPECT_EQ(byte_at(r, 0), fill);
    EXPECT_EQ(byte_at(r, 8191), fill);
    // A neighbour sector was not touched.
    BlockBuffer n = make_buffer(1, 0xee);
    ASSERT_TRUE(run(Op::kRead, 116, 1, n).is_ok());
    EXPECT_EQ(byte_at(n, 0), 0u);
    ++fill;
  }
}

TEST_F(DiskTest, AnOffsetPlacesTheTransferInsideTheBuffer) {
  BlockBuffer w = make_buffer(1, 0x5a);
  ASSERT_TRUE(run(Op::kWrite, 0, 1, w, 1024).is_ok());
  BlockBuffer r = make_buffer(1, 0);
  ASSERT_TRUE(run(Op::kRead, 0, 2, r, 0).is_ok());
  EXPECT_EQ(byte_at(r, 0), 0x5au);
  EXPECT_EQ(byte_at(r, 511), 0x5au);
  EXPECT_EQ(byte_at(r, 512), 0u);
}

TEST_F(DiskTest, BadInputIsRefusedAndNothingIsTaken) {
  BlockBuffer buf = make_buffer(1, 0);
  const auto refused = [&](Op op, uint64_t sector, uint32_t sectors, BlockBuffer& b,
                           uint32_t offset) {
    Result<void> r = disk_->submit(op, sector, sectors, b, offset, waiter_);
    EXPECT_FALSE(waiter_.armed()) << "a refused submission leaves the waiter free";
    EXPECT_TRUE(disk_->idle());
    return r.is_error() ? r.error() : Error::kUnsupported;
  };
  EXPECT_EQ(refused(Op::kRead, kSectors, 1, buf, 0), Error::kOverflow);
  EXPECT_EQ(refused(Op::kRead, kSectors - 1, 2, buf, 0), Error::kOverflow);
  EXPECT_EQ(refused(Op::kRead, ~uint64_t{0}, 1, buf, 0), Error::kOverflow);
  EXPECT_EQ(refused(Op::kRead, 0, 0, buf, 0), Error::kInvalidArgument);
  EXPECT_EQ(refused(Op::kRead, 0, 1, buf, 100), Error::kInvalidArgument) << "misaligned offset";
  EXPECT_EQ(refused(Op::kRead, 0, 9, buf, 0), Error::kInvalidArgument) << "more than the buffer";
  EXPECT_EQ(refused(Op::kRead, 0, 1, buf, 4096), Error::kInvalidArgument) << "offset at the end";
  EXPECT_TRUE(buf.owns()) << "the caller keeps its buffer";
  BlockBuffer huge = make_buffer(32, 0);
  EXPECT_EQ(refused(Op::kRead, 0, 1, huge, 0), Error::kInvalidArgument) << "too large a buffer";
  BlockBuffer empty;
  EXPECT_EQ(refused(Op::kRead, 0, 1, empty, 0), Error::kInvalidArgument);
  // A waiter still serving a request is refused.
  ramdisk_->set_mode(Ramdisk::Mode::kDeferredRef);
  ASSERT_TRUE(disk_->read(0, 1, buf, 0, waiter_).is_ok());
  BlockBuffer other = make_buffer(1, 0);
  EXPECT_EQ(disk_->read(0, 1, other, 0, waiter_).error(), Error::kBusy);
  EXPECT_TRUE(other.owns());
  EXPECT_EQ(ramdisk_->drain(), 1u);
  ASSERT_TRUE(waiter_.wait([] {}).is_ok());
  buf = waiter_.take_buffer();
}

TEST_F(DiskTest, AReadOnlyDiskRefusesWrites) {
  Disk ro;
  ASSERT_TRUE(ro.init(DiskConfig().capacity_sectors(16).read_only(true), *ramdisk_).is_ok());
  BlockBuffer buf = make_buffer(1, 1);
  EXPECT_EQ(ro.write(0, 1, buf, 0, waiter_).error(), Error::kPermissionDenied);
  ASSERT_TRUE(ro.read(0, 1, buf, 0, waiter_).is_ok());
  ASSERT_TRUE(waiter_.wait([] {}).is_ok());
  buf = waiter_.take_buffer();
  EXPECT_TRUE(ro.idle());
}

TEST_F(DiskTest, RunningOutOfTagsIsBusyNotAHang) {
  ramdisk_->set_mode(Ramdisk::Mode::kDeferredRef);
  Waiter waiters[8];  // depth 8 per queue; this thread always uses the same queue
  for (auto& w : waiters) {
    BlockBuffer b = make_buffer(1, 0);
    ASSERT_TRUE(disk_->read(0, 1, b, 0, w).is_ok());
  }
  Waiter extra;
  BlockBuffer b = make_buffer(1, 0);
  EXPECT_EQ(disk_->read(0, 1, b, 0, extra).error(), Error::kBusy);
  EXPECT_FALSE(extra.armed());
  EXPECT_EQ(ramdisk_->drain(), 8u);
  for (auto& w : waiters) {
    ASSERT_TRUE(w.wait([] {}).is_ok());
    BlockBuffer back = w.take_buffer();
  }
}

TEST_F(DiskTest, InjectedDeviceErrorsSurfaceWithNothingLeaked) {
  for (Ramdisk::Mode m :
       {Ramdisk::Mode::kInline, Ramdisk::Mode::kDeferredRef, Ramdisk::Mode::kDeferredTag}) {
    ramdisk_->set_mode(m);
    ramdisk_->fail_every(3);  // fail=3
    int failed = 0;
    for (int i = 0; i < 9; ++i) {
      BlockBuffer b = make_buffer(1, 7);
      Result<void> r = run(Op::kWrite, 10 + i, 1, b);
      if (r.is_error()) {
        EXPECT_EQ(r.error(), Error::kMalformed);
        ++failed;
      }
      EXPECT_TRUE(b.owns()) << "the buffer comes back on an error too";
      EXPECT_TRUE(disk_->idle());
    }
    EXPECT_EQ(failed, 3);
    ramdisk_->fail_every(0);
  }
  EXPECT_EQ(ramdisk_->injected(), 9u);
  // The hook picks requests by what they are: here, writes to sector 42.
  ramdisk_->set_mode(Ramdisk::Mode::kInline);
  ramdisk_->set_fail_hook([](void*, const RequestRef& rq) { return rq.sector() == 42; }, nullptr);
  BlockBuffer b = make_buffer(1, 9);
  EXPECT_EQ(run(Op::kWrite, 42, 1, b).error(), Error::kMalformed);
  EXPECT_TRUE(run(Op::kWrite, 43, 1, b).is_ok());
  ramdisk_->set_fail_hook(nullptr, nullptr);
  BlockBuffer r = make_buffer(1, 0xff);
  ASSERT_TRUE(run(Op::kRead, 42, 1, r).is_ok());
  EXPECT_EQ(byte_at(r, 0), 0u) << "a failed write changed nothing";
}

TEST_F(DiskTest, ADeviceThatNeverAnswersIsEndedByTheTimeout) {
  ramdisk_->set_mode(Ramdisk::Mode::kNeverAnswers);
  BlockBuffer b = make_buffer(1, 0);
  ASSERT_TRUE(disk_->read(0, 1, b, 0, waiter_).is_ok());
  EXPECT_EQ(disk_->expire(platform::now_ns()), 0u) << "not due yet";
  EXPECT_FALSE(waiter_.done());
  EXPECT_EQ(disk_->expire(~uint64_t{0}), 1u);
  Result<void> r = waiter_.wait([] {});
  ASSERT_TRUE(r.is_error());
  EXPECT_EQ(r.error(), Error::kBusy);
  b = waiter_.take_buffer();
  EXPECT_TRUE(b.owns());
}

TEST_F(DiskTest, ATimeoutBeatsAQueuedCompletionAndTheLateOneIsIgnored) {
  for (Ramdisk::Mode m : {Ramdisk::Mode::kDeferredRef, Ramdisk::Mode::kDeferredTag}) {
    ramdisk_->set_mode(m);
    BlockBuffer b = make_buffer(1, 3);
    ASSERT_TRUE(disk_->write(5, 1, b, 0, waiter_).is_ok());
    EXPECT_EQ(disk_->expire(~uint64_t{0}), 1u);
    EXPECT_EQ(waiter_.wait([] {}).error(), Error::kBusy);
    b = waiter_.take_buffer();
    // The aborted slot is skipped; a new request on the same tag is served normally.
    ASSERT_TRUE(disk_->write(6, 1, b, 0, waiter_).is_ok());
    EXPECT_EQ(ramdisk_->drain(), 1u) << "the aborted request is skipped, the new one served";
    ASSERT_TRUE(waiter_.wait([] {}).is_ok());
    b = waiter_.take_buffer();
  }
}

TEST_F(DiskTest, ADiskThatWentAwayFailsInFlightAndNewRequests) {
  ramdisk_->set_mode(Ramdisk::Mode::kDeferredTag);
  BlockBuffer b = make_buffer(1, 0);
  ASSERT_TRUE(disk_->read(0, 1, b, 0, waiter_).is_ok());
  EXPECT_EQ(disk_->remove(), 1u);
  EXPECT_EQ(waiter_.wait([] {}).error(), Error::kNotFound);
  b = waiter_.take_buffer();
  EXPECT_EQ(disk_->read(0, 1, b, 0, waiter_).error(), Error::kNotFound);
  EXPECT_TRUE(b.owns());
  EXPECT_EQ(ramdisk_->drain(), 0u) << "abort emptied the device's queue";
}

// A device that goes away while it is being handed a request: the removal's scan cannot claim
// the request yet (the driver's queue_rq has not returned), so the submitter must end it.
class VanishingDriver final : public Driver {
 public:
  void queue_rq(RequestRef rq, bool /*last*/) override {
    held = std::move(rq);
    removed_in_flight = disk->remove();
  }
  void abort(uint32_t) override { held.reset(); }
  Disk* disk = nullptr;
  RequestRef held;
  uint32_t removed_in_flight = ~0u;
};

TEST_F(DiskTest, ARemovalDuringDispatchStillEndsTheRequest) {
  VanishingDriver driver;
  Disk d;
  driver.disk = &d;
  ASSERT_TRUE(d.init(DiskConfig().capacity_sectors(16), driver).is_ok());
  BlockBuffer b = make_buffer(1, 0);
  ASSERT_TRUE(d.read(0, 1, b, 0, waiter_).is_ok()) << "dispatched before the device went away";
  EXPECT_EQ(driver.removed_in_flight, 0u) << "the scan skips a request still being handed over";
  EXPECT_FALSE(driver.held) << "the driver was told to let go";
  ASSERT_TRUE(waiter_.done()) << "ended by its submitter, not left to hang";
  EXPECT_EQ(waiter_.wait([] {}).error(), Error::kNotFound);
  b = waiter_.take_buffer();
  EXPECT_TRUE(d.idle());
}

TEST_F(DiskTest, ARamdiskTooSmallForItsDiskFailsTheRequestNotTheMemory) {
  Ramdisk tiny;
  ASSERT_TRUE(tiny.init(8, 512, kStorageOwner).is_ok());
  Disk d;
  ASSERT_TRUE(d.init(DiskConfig().capacity_sectors(64), tiny).is_ok());
  BlockBuffer b = make_buffer(1, 0);
  ASSERT_TRUE(d.read(8, 1, b, 0, waiter_).is_ok());
  EXPECT_TRUE(waiter_.wait([] {}).is_error());
  b = waiter_.take_buffer();
  EXPECT_TRUE(tiny.init(8, 512, kStorageOwner).is_error()) << "initialised once";
  Ramdisk big;
  EXPECT_EQ(big.init(uint64_t{1} << 40, 512, kStorageOwner).error(), Error::kInvalidArgument);
}

}  // namespace
}  // namespace glass::block::testing
