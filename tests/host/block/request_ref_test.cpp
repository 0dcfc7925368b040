// RequestRef's refcount protocol (block/request.h) driven step by step through a driver that
// keeps its reference: dispatch gives 2, copies and lookups add, drops subtract, lookups from 0
// find nothing, end_ok succeeds only at exactly 2 and otherwise hands the reference back, and
// one claim per dispatch decides who ends it.
#include <gtest/gtest.h>

#include "block/disk.h"
#include "tests/host/block/block_fixture.h"

namespace glass::block::testing {
namespace {

// A device that keeps the driver's reference until told to let go.
class HoldingDriver final : public Driver {
 public:
  void queue_rq(RequestRef rq, bool /*last*/) override { held = std::move(rq); }
  void abort(uint32_t) override { held.reset(); }
  RequestRef held;
};

class RequestRefTest : public BlockTest {
 protected:
  void SetUp() override {
    BlockTest::SetUp();
    holding_ = std::make_unique<Disk>();
    ASSERT_TRUE(holding_->init(DiskConfig().queue_depth(4).capacity_sectors(64), driver_).is_ok());
  }
  void TearDown() override {
    EXPECT_FALSE(driver_.held) << "the test left the driver holding a reference";
    EXPECT_TRUE(holding_->idle());
    holding_.reset();
    BlockTest::TearDown();
  }
  // Dispatches a one-sector read; the driver then holds the request.
  void dispatch() {
    BlockBuffer buf = make_buffer(1, 0);
    ASSERT_TRUE(holding_->read(3, 1, buf, 0, waiter_).is_ok());
    ASSERT_FALSE(buf.owns()) << "the buffer moves into the request";
    ASSERT_TRUE(driver_.held);
  }
  void finish_waiter(bool expect_ok, Error e = Error::kInvalidArgument) {
    ASSERT_TRUE(waiter_.done());
    Result<void> r = waiter_.wait([] {});
    EXPECT_EQ(r.is_ok(), expect_ok);
    if (!expect_ok && r.is_error()) {
      EXPECT_EQ(r.error(), e);
    }
    BlockBuffer back = waiter_.take_buffer();
    EXPECT_TRUE(back.owns()) << "the buffer comes back with the outcome";
  }

  HoldingDriver driver_;
  std::unique_ptr<Disk> holding_;
  Waiter waiter_;
};

TEST_F(RequestRefTest, DispatchGivesTwoAndLookupFromZeroFindsNothing) {
  for (uint32_t t = 0; t < holding_->tags().size(); ++t) EXPECT_FALSE(holding_->lookup(t));
  dispatch();
  EXPECT_EQ(driver_.held.refcount(), 2u);
  const uint32_t tag = driver_.held.tag();
  EXPECT_EQ(holding_->tags().in_use(), 1u);
  EXPECT_FALSE(holding_->lookup(holding_->tags().size())) << "a tag out of range finds nothing";
  EXPECT_TRUE(end_ok(std::move(driver_.held)).ended());
  EXPECT_FALSE(holding_->lookup(tag)) << "an ended request cannot be revived by a lookup";
  finish_waiter(true);
}

TEST_F(RequestRefTest, CopyIncrementsAndDestructionDecrements) {
  dispatch();
  {
    RequestRef copy = driver_.held;
    EXPECT_EQ(copy.refcount(), 3u);
    RequestRef another = holding_->lookup(copy.tag());
    ASSERT_TRUE(another);
    EXPECT_EQ(another.refcount(), 4u);
    EXPECT_EQ(RequestRef::live(), live_at_start_ + 3);
  }
  EXPECT_EQ(driver_.held.refcount(), 2u);
  EXPECT_TRUE(end_ok(std::move(driver_.held)).ended());
  finish_waiter(true);
}

TEST_F(RequestRefTest, EndOkFailsAndHandsBackWhileAnotherIsHeld) {
  dispatch();
  RequestRef mine = holding_->lookup(driver_.held.tag());
  ASSERT_TRUE(mine);
  EndResult r = end_ok(std::move(mine));
  EXPECT_EQ(r.kind(), EndResult::Kind::kHeld);
  RequestRef back = r.take_back();
  ASSERT_TRUE(back) << "the reference is handed back, not lost";
  EXPECT_TRUE(back.claimed()) << "the claim stays with the reference";
  EXPECT_EQ(back.refcount(), 3u) << "a failed end changes no count";
  EXPECT_FALSE(waiter_.done());
  driver_.held.reset();  // the other holder lets go: ours is now the unique reference
  EXPECT_EQ(back.refcount(), 2u);
  EXPECT_TRUE(end_ok(std::move(back)).ended());
  finish_waiter(true);
}

TEST_F(RequestRefTest, ADriverThatKeepsOnlyTheTagEndsThroughALookup) {
  dispatch();
  const uint32_t tag = driver_.held.tag();
  driver_.held.reset();  // refs 1: only the in-flight count keeps it
  RequestRef again = holding_->lookup(tag);
  ASSERT_TRUE(again) << "an in-flight request is found from 1";
  EXPECT_EQ(again.refcount(), 2u);
  EXPECT_TRUE(end_err(std::move(again), Error::kMalformed).ended());
  finish_waiter(false, Error::kMalformed);
}

TEST_F(RequestRefTest, OneClaimPerDispatchAndTheLoserIsDropped) {
  dispatch();
  RequestRef timeout = holding_->lookup(driver_.held.tag());
  ASSERT_TRUE(timeout.try_claim(Phase::kClaimedTimeout));
  RequestRef loser = driver_.held;
  EXPECT_FALSE(loser.try_claim(Phase::kClaimedDone));
  EXPECT_EQ(end_ok(std::move(loser)).kind(), EndResult::Kind::kLost);
  EXPECT_EQ(end_ok(std::move(driver_.held)).kind(), EndResult::Kind::kLost);
  EXPECT_EQ(timeout.refcount(), 2u);
  EXPECT_TRUE(end_err(std::move(timeout), Error::kBusy).ended());
  finish_waiter(false, Error::kBusy);
}

TEST_F(RequestRefTest, CompleteLosesToAnEarlierClaim) {
  dispatch();
  RequestRef timeout = holding_->lookup(driver_.held.tag());
  ASSERT_TRUE(timeout.try_claim(Phase::kClaimedTimeout));
  EXPECT_FALSE(complete(std::move(driver_.held), true));
  end_claimed(std::move(timeout), false, Error::kBusy);
  finish_waiter(false, Error::kBusy);
}

TEST_F(RequestRefTest, DroppingAClaimedReferencePanics) {
  dispatch();
  EXPECT_DEATH(
      {
        RequestRef r = driver_.held;
        (void)r.try_claim(Phase::kClaimedDone);
        r.reset();
      },
      "claimed its end was dropped");
  EXPECT_TRUE(end_ok(std::move(driver_.held)).ended());
  finish_waiter(true);
}

TEST_F(RequestRefTest, TheBufferIsABlockBufferWhileTheRequestHoldsIt) {
  const uint64_t before = block_buffer_frames(kBufferOwner);
  dispatch();
  EXPECT_EQ(block_buffer_frames(kBufferOwner), before + 1);
  EXPECT_EQ(mm::load_kind(mm::frame_table()[driver_.held.buffer().pfn()]),
            mm::FrameKind::kBlockBuffer);
  EXPECT_TRUE(end_ok(std::move(driver_.held)).ended());
  finish_waiter(true);  // the buffer came back and was freed with `back`
  EXPECT_EQ(block_buffer_frames(kBufferOwner), before);
}

}  // namespace
}  // namespace glass::block::testing
