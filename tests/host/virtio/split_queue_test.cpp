// virtio/split_queue.h against a simulated device (sim_device.h): chains reach the device as
// submitted, completions come back with their tokens in any order, descriptors are never lost or
// shared, bad input is refused without taking anything, and a misbehaving device is detected.
#include "virtio/split_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "tests/host/lib/test_seed.h"
#include "tests/host/virtio/sim_device.h"

namespace glass::virtio {
namespace {

using sim::Chain;
using sim::SimDevice;

struct Fixture {
  explicit Fixture(uint16_t size) : mem(QueueLayout{size}.bytes() + 64) {
    EXPECT_TRUE(q.init(size, mem.data(), reinterpret_cast<uint64_t>(mem.data())).is_ok());
  }
  std::vector<uint8_t> mem;
  SplitQueue q;
};

TEST(SplitQueue, LayoutFollowsTheSpec) {
  // virtio 1.x 2.7: descriptors 16 bytes each, avail 6 + 2N, used 4-aligned, 6 + 8N.
  const QueueLayout l{128};
  EXPECT_EQ(l.avail_offset(), 2048u);
  EXPECT_EQ(l.used_offset(), 2312u);
  EXPECT_EQ(l.bytes(), 2312u + 6 + 1024);
  EXPECT_LE(l.bytes(), 4096u);  // one frame holds a 128-entry queue
  EXPECT_EQ(QueueLayout{1}.used_offset() % 4, 0u);
}

TEST(SplitQueue, ABlockRequestRoundTrips) {
  Fixture f(8);
  SimDevice dev(f.mem.data(), 8);
  uint8_t header[16] = {1}, data[512] = {}, status = 0xff;
  const Segment segs[] = {{reinterpret_cast<uint64_t>(header), 16, false},
                          {reinterpret_cast<uint64_t>(data), 512, true},
                          {reinterpret_cast<uint64_t>(&status), 1, true}};
  ASSERT_TRUE(f.q.submit(segs, 3, 42).is_ok());
  EXPECT_EQ(f.q.free_descriptors(), 5u);
  Chain c;
  ASSERT_TRUE(dev.take(c));
  ASSERT_EQ(c.descs.size(), 3u);
  EXPECT_EQ(c.descs[0].len, 16u);
  EXPECT_FALSE(c.descs[0].flags & kDescWrite);
  EXPECT_TRUE(c.descs[1].flags & kDescWrite);
  EXPECT_TRUE(c.descs[2].flags & kDescWrite);
  std::memset(reinterpret_cast<void*>(c.descs[1].addr), 0xab, 512);
  *reinterpret_cast<uint8_t*>(c.descs[2].addr) = 0;
  dev.complete(c, 513);
  EXPECT_EQ(dev.error, nullptr);
  Completion done;
  auto r = f.q.pop(done);
  ASSERT_TRUE(r.is_ok() && r.value());
  EXPECT_EQ(done.token, 42u);
  EXPECT_EQ(done.written, 513u);
  EXPECT_EQ(data[511], 0xab);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(f.q.free_descriptors(), 8u);
  EXPECT_FALSE(f.q.pop(done).value());
}

TEST(SplitQueue, BadChainsAreRefusedAndTakeNothing) {
  Fixture f(4);
  const Segment empty[] = {{0x1000, 0, false}};
  const Segment backwards[] = {{0x1000, 8, true}, {0x2000, 8, false}};
  const Segment five[] = {{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}};
  EXPECT_EQ(f.q.submit(nullptr, 0, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(f.q.submit(empty, 1, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(f.q.submit(backwards, 2, 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(f.q.submit(five, 5, 1).error(), Error::kBusy);
  EXPECT_EQ(f.q.free_descriptors(), 4u);
  EXPECT_EQ(f.q.in_flight(), 0u);
  SplitQueue q;
  uint8_t mem[64];
  EXPECT_EQ(q.init(3, mem, 0).error(), Error::kInvalidArgument);    // not a power of two
  EXPECT_EQ(q.init(512, mem, 0).error(), Error::kInvalidArgument);  // beyond kMaxSize
}

TEST(SplitQueue, TheDeviceMaySuppressNotifications) {
  Fixture f(4);
  SimDevice dev(f.mem.data(), 4);
  EXPECT_TRUE(f.q.notify_needed());
  dev.set_no_notify(true);
  EXPECT_FALSE(f.q.notify_needed());
}

TEST(SplitQueue, AnIdNotInFlightBreaksTheQueue) {
  Fixture f(4);
  SimDevice dev(f.mem.data(), 4);
  const Segment s[] = {{0x1000, 8, true}};
  ASSERT_TRUE(f.q.submit(s, 1, 7).is_ok());
  dev.complete_raw(3, 8);  // descriptor 3 was never a head in flight
  Completion done;
  EXPECT_EQ(f.q.pop(done).error(), Error::kMalformed);
  EXPECT_TRUE(f.q.broken());
  EXPECT_EQ(f.q.submit(s, 1, 8).error(), Error::kMalformed);
}

TEST(SplitQueue, AnIndexRunningAheadBreaksTheQueue) {
  Fixture f(4);
  SimDevice dev(f.mem.data(), 4);
  const Segment s[] = {{0x1000, 8, true}};
  ASSERT_TRUE(f.q.submit(s, 1, 7).is_ok());
  dev.complete_raw(0, 8, 3);  // three completions for one chain
  Completion done;
  EXPECT_EQ(f.q.pop(done).error(), Error::kMalformed);
}

TEST(SplitQueue, WrittenIsClampedToTheWritableBytes) {
  Fixture f(4);
  SimDevice dev(f.mem.data(), 4);
  const Segment s[] = {{0x1000, 8, false}, {0x2000, 16, true}};
  ASSERT_TRUE(f.q.submit(s, 2, 1).is_ok());
  Chain c;
  ASSERT_TRUE(dev.take(c));
  dev.complete(c, 1u << 30);
  Completion done;
  ASSERT_TRUE(f.q.pop(done).value());
  EXPECT_EQ(done.written, 16u);
}

// Random chains completed in random order, many times round the rings (the indices wrap at
// 65536): every token comes back exactly once with its length, and no descriptor is lost.
TEST(SplitQueue, RandomTrafficAgainstTheSimulatedDevice) {
  const uint64_t seed = glass::testing::test_seed();
  GLASS_SEED_TRACE(seed);
  std::mt19937_64 rng(seed);
  constexpr uint16_t kSize = 16;
  Fixture f(kSize);
  SimDevice dev(f.mem.data(), kSize);
  std::map<uint64_t, uint32_t> expected;  // token -> bytes the device will say it wrote
  std::vector<Chain> at_device;
  std::map<uint16_t, uint64_t> token_of_head;
  uint64_t next_token = 1, completed = 0;
  constexpr int kOps = 200000;
  for (int op = 0; op < kOps; ++op) {
    const unsigned what = rng() % 3;
    if (what == 0) {
      const auto n = static_cast<uint16_t>(1 + rng() % 4);
      Segment s[4];
      uint32_t writable = 0;
      const unsigned first_writable = rng() % (n + 1);
      for (uint16_t i = 0; i < n; ++i) {
        s[i] = Segment{0x1000u * (i + 1), static_cast<uint32_t>(1 + rng() % 4096),
                       i >= first_writable};
        if (s[i].device_writes) writable += s[i].len;
      }
      auto r = f.q.submit(s, n, next_token);
      if (r.is_error()) {
        ASSERT_EQ(r.error(), Error::kBusy);
        continue;
      }
      ASSERT_TRUE(r.is_ok());
      expected[next_token] = writable == 0 ? 0 : static_cast<uint32_t>(rng() % (writable + 1));
      ++next_token;
      Chain c;
      ASSERT_TRUE(dev.take(c));
      ASSERT_EQ(c.descs.size(), n);
      token_of_head[c.head] = next_token - 1;
      at_device.push_back(c);
    } else if (what == 1 && !at_device.empty()) {
      const size_t i = rng() % at_device.size();
      const Chain c = at_device[i];
      at_device.erase(at_device.begin() + static_cast<long>(i));
      dev.complete(c, expected[token_of_head[c.head]]);
    } else {
      Completion done;
      auto r = f.q.pop(done);
      ASSERT_TRUE(r.is_ok());
      if (!r.value()) continue;
      auto it = expected.find(done.token);
      ASSERT_NE(it, expected.end()) << "token " << done.token << " completed twice or never sent";
      EXPECT_EQ(done.written, it->second);
      expected.erase(it);
      ++completed;
    }
    ASSERT_EQ(dev.error, nullptr) << dev.error;
  }
  for (const Chain& c : at_device) dev.complete(c, expected[token_of_head[c.head]]);
  Completion done;
  while (f.q.pop(done).value()) {
    ASSERT_EQ(expected.erase(done.token), 1u);
    ++completed;
  }
  EXPECT_TRUE(expected.empty());
  EXPECT_EQ(f.q.free_descriptors(), kSize);
  EXPECT_EQ(f.q.in_flight(), 0u);
  EXPECT_GT(completed, 40000u);  // far more than 65536 / kSize laps of the indices' low bits
}

}  // namespace
}  // namespace glass::virtio
