// The inspector's block-request model (inspector/model/block_requests.h) fed the events a
// request's life produces, in the order block/ reports them: the refcount the tab draws is 2 from
// the dispatch, then the last block_ref; a request starts at its dispatch (or a block_tag, for one
// given back undispatched) and leaves "in flight" at its end (or that tag_free), listed as ended
// with its outcome; an event for a tag never dispatched changes nothing.
#include "inspector/model/block_requests.h"

#include <gtest/gtest.h>

namespace glass::inspector {
namespace {

using telemetry::Event;
using telemetry::MsgType;

Event ev(MsgType type) {
  Event e{};
  e.type = type;
  return e;
}
Event tag(uint32_t disk, uint32_t t) {
  Event e = ev(MsgType::kBlockTag);
  e.block_tag = {disk, t, 10};
  return e;
}
Event ref(uint32_t disk, uint32_t t, uint32_t refcount) {
  Event e = ev(MsgType::kBlockRef);
  e.block_ref = {disk, t, refcount};
  return e;
}
Event dispatch(uint32_t disk, uint32_t t, uint64_t sector) {
  Event e = ev(MsgType::kBlockDispatch);
  e.block_dispatch = {disk, t, 1, 8, sector, 0x1234, 1, 20};
  return e;
}
Event end(uint32_t disk, uint32_t t, uint32_t status) {
  Event e = ev(MsgType::kBlockEnd);
  e.block_end = {disk, t, status, 8, 0, 0x1234, 1, 30};
  return e;
}
Event tag_free(uint32_t disk, uint32_t t) {
  Event e = ev(MsgType::kBlockTagFree);
  e.block_tag_free = {disk, t, 40};
  return e;
}

TEST(BlockRequests, ARequestsLifeAsTheTabDrawsIt) {
  BlockRequests b;
  b.apply(tag(1, 3));
  EXPECT_EQ(b.in_flight().at({1, 3}).refcount, 0u);
  b.apply(dispatch(1, 3, 64));  // refcount 2 without a block_ref
  ASSERT_EQ(b.in_flight().size(), 1u);
  const BlockRequest& r = b.in_flight().at({1, 3});
  EXPECT_EQ(r.state, BlockRequest::State::kInFlight);
  EXPECT_EQ(r.refcount, 2u);
  EXPECT_TRUE(r.write);
  EXPECT_EQ(r.sector, 64u);
  b.apply(ref(1, 3, 3));  // a lookup beside the driver
  EXPECT_EQ(b.in_flight().at({1, 3}).refcount, 3u);
  EXPECT_STREQ(refcount_meaning(3), "driver + in flight + others (a lookup, a completion path)");
  b.apply(ref(1, 3, 2));
  b.apply(end(1, 3, 0));  // refcount 0 and the tag free, without block_ref or tag_free
  EXPECT_TRUE(b.in_flight().empty());
  ASSERT_EQ(b.ended().size(), 1u);
  EXPECT_EQ(b.ended().back().state, BlockRequest::State::kEnded);
  EXPECT_EQ(b.ended().back().status, 0u);
  EXPECT_EQ(b.ended_total(), 1u);
  // The timeline the tab draws for a selected request: dispatched at 20, ended at 30, no device
  // answer or timeout recorded.
  EXPECT_EQ(b.ended().back().t_dispatch, 20u);
  EXPECT_EQ(b.ended().back().t_end, 30u);
  EXPECT_EQ(b.ended().back().t_device_done, 0u);
  EXPECT_EQ(b.ended().back().t_timeout, 0u);
}

TEST(BlockRequests, ATimeoutEndsWithItsStatus) {
  BlockRequests b;
  b.apply(tag(2, 0));
  b.apply(dispatch(2, 0, 8));
  Event t = ev(MsgType::kBlockTimeout);
  t.block_timeout = {2, 0, 50};
  b.apply(t);
  EXPECT_EQ(b.in_flight().at({2, 0}).state, BlockRequest::State::kTimedOut);
  EXPECT_EQ(b.in_flight().at({2, 0}).t_timeout, 50u);
  b.apply(end(2, 0, 5));
  b.apply(tag_free(2, 0));
  ASSERT_EQ(b.ended().size(), 1u);
  EXPECT_EQ(b.ended().back().status, 5u);
}

TEST(BlockRequests, EventsForATagNeverDispatchedChangeNothing) {
  BlockRequests b;
  b.apply(ref(1, 9, 2));
  b.apply(end(1, 9, 0));
  b.apply(tag_free(1, 9));
  EXPECT_TRUE(b.in_flight().empty());
  EXPECT_TRUE(b.ended().empty());
}

TEST(BlockRequests, ADispatchAloneStartsARequest) {
  // The kernel reports a dispatched request's tag only in its block_dispatch.
  BlockRequests b;
  b.apply(dispatch(1, 5, 16));
  ASSERT_EQ(b.in_flight().size(), 1u);
  const BlockRequest& r = b.in_flight().at({1, 5});
  EXPECT_EQ(r.disk, 1u);
  EXPECT_EQ(r.tag, 5u);
  EXPECT_EQ(r.state, BlockRequest::State::kInFlight);
  EXPECT_EQ(r.refcount, 2u);
  EXPECT_EQ(r.t_tagged, 20u);
  b.apply(end(1, 5, 0));
  EXPECT_TRUE(b.in_flight().empty());
  EXPECT_EQ(b.ended_total(), 1u);
}

TEST(BlockRequests, ATagGivenBackUndispatchedComesAndGoes) {
  BlockRequests b;
  b.apply(tag(1, 2));
  EXPECT_EQ(b.in_flight().at({1, 2}).state, BlockRequest::State::kTagged);
  b.apply(tag_free(1, 2));
  EXPECT_TRUE(b.in_flight().empty());
  EXPECT_TRUE(b.ended().empty());
}

TEST(BlockRequests, OnlyTheNewestEndedAreKept) {
  BlockRequests b;
  for (uint32_t i = 0; i < BlockRequests::kMaxEnded + 5; ++i) {
    b.apply(tag(1, 0));
    b.apply(end(1, 0, 0));
    b.apply(tag_free(1, 0));
  }
  EXPECT_EQ(b.ended().size(), BlockRequests::kMaxEnded);
  EXPECT_EQ(b.ended_total(), BlockRequests::kMaxEnded + 5);
}

}  // namespace
}  // namespace glass::inspector
