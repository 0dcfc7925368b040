// The contention the locks view must draw but a one-CPU kernel never produces, made by the
// host kernel (glass-trace synth --contend): at the lock_waiting event the view data shows
// exactly one waiting cursor, pointing at the node the other cursor holds; the acquisition that
// ends the wait carries a nonzero wait; both cursors end with no lock left and the digests match.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/view/cursor_rows.h"

namespace glass::inspector {
namespace {

using telemetry::MsgType;

struct Replayed {
  StateModel model;
  std::vector<view::CursorRow> at_wait;  // the rows right after the lock_waiting event
  uint64_t waits_seen = 0;
  uint64_t acquired_after_wait_ns = 0;
};

Replayed replay_contention() {
  HostKernel k(4096, 9);
  k.handshake();
  const uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 4, 0);
  k.snapshot();
  k.contend(as, 0x40000000, 8);
  k.send_digest();
  const auto bytes = k.take_bytes();
  Replayed r;
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(bytes.data(), bytes.size(), items);
  std::optional<uint64_t> waiter;
  for (const auto& it : items) {
    r.model.apply(it);
    if (it.kind != StreamItem::Kind::kEvent) continue;
    const auto& e = it.event.ev;
    if (e.type == MsgType::kLockWaiting) {
      ++r.waits_seen;
      waiter = e.lock_waiting.cursor;
      r.at_wait = view::cursor_rows(r.model);
    } else if (e.type == MsgType::kLockAcquired && waiter && e.lock_acquired.cursor == *waiter) {
      r.acquired_after_wait_ns = e.lock_acquired.wait_ns;
      waiter.reset();
    }
  }
  return r;
}

TEST(WaitingCursor, ContentionFromTwoThreadsShowsOneCursorWaitingOnTheOthersNode) {
  const Replayed r = replay_contention();
  ASSERT_EQ(r.waits_seen, 1u);
  ASSERT_EQ(r.at_wait.size(), 2u) << "both cursors are live while one waits";
  const view::CursorRow& holder = r.at_wait[0];
  const view::CursorRow& waiter = r.at_wait[1];
  EXPECT_FALSE(holder.waiting_on);
  ASSERT_FALSE(holder.nodes_held.empty());
  ASSERT_TRUE(waiter.waiting_on);
  EXPECT_NE(std::find(holder.nodes_held.begin(), holder.nodes_held.end(), *waiter.waiting_on),
            holder.nodes_held.end())
      << "it waits for a node the holder holds";
  ASSERT_TRUE(waiter.waiting_for_cursor);
  EXPECT_EQ(*waiter.waiting_for_cursor, holder.id);
  EXPECT_EQ(std::find(waiter.nodes_held.begin(), waiter.nodes_held.end(), *waiter.waiting_on),
            waiter.nodes_held.end());
  EXPECT_NE(holder.cpu, waiter.cpu);
  EXPECT_NE(holder.rgba, waiter.rgba) << "two cursors, two colours";
  EXPECT_GT(r.acquired_after_wait_ns, 0u);
  EXPECT_TRUE(view::cursor_rows(r.model).empty()) << "both cursors ended";
  EXPECT_TRUE(r.model.waiting().empty());
  EXPECT_EQ(r.model.sync(), Sync::kSynced) << r.model.sync_reason();
}

TEST(WaitingCursor, ContentionOutsideOnePageTableIsRefused) {
  HostKernel k(4096, 9);
  k.handshake();
  const uint32_t as = k.create_address_space();
  EXPECT_THROW(k.contend(as, 0x40000000 + 500 * 4096ull, 8), std::invalid_argument);
  EXPECT_THROW(k.contend(as, 0x40000000, 0), std::invalid_argument);
}

}  // namespace
}  // namespace glass::inspector
