// The split queue's ordering under TSan: a device thread takes chains and completes them while
// the driver thread submits and pops. What the device wrote into a buffer must be visible to the
// driver once pop() returns it (used->idx acquire), and what the driver wrote before submit()
// must be visible to the device (avail->idx release); a missing fence is a reported race.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/host/virtio/sim_device.h"
#include "virtio/split_queue.h"

namespace glass::virtio {
namespace {

TEST(SplitQueueTsan, DeviceThreadAndDriverThreadAgree) {
  constexpr uint16_t kSize = 8;
  constexpr uint64_t kRequests = 20000;
  std::vector<uint8_t> mem(QueueLayout{kSize}.bytes());
  SplitQueue q;
  ASSERT_TRUE(q.init(kSize, mem.data(), reinterpret_cast<uint64_t>(mem.data())).is_ok());
  // One buffer pair per descriptor slot: the driver fills `in`, the device answers in `out`.
  struct Buffers {
    uint64_t request;
    uint64_t answer;
  };
  std::vector<Buffers> slots(kRequests);
  std::atomic<bool> done{false};
  const char* device_error = nullptr;
  std::thread device([&] {
    sim::SimDevice dev(mem.data(), kSize);
    sim::Chain c;
    while (!done.load(std::memory_order_relaxed)) {
      if (!dev.take(c)) {
        std::this_thread::yield();
        continue;
      }
      const auto* req = reinterpret_cast<const uint64_t*>(c.descs[0].addr);
      auto* ans = reinterpret_cast<uint64_t*>(c.descs[1].addr);
      *ans = *req * 3 + 1;  // reads the driver's write, writes the answer
      dev.complete(c, sizeof *ans);
      if (dev.error) device_error = dev.error;
    }
  });
  uint64_t sent = 0, answered = 0;
  while (answered < kRequests) {
    if (sent < kRequests) {
      Buffers& b = slots[sent];
      b.request = sent;
      const Segment s[] = {{reinterpret_cast<uint64_t>(&b.request), 8, false},
                           {reinterpret_cast<uint64_t>(&b.answer), 8, true}};
      if (q.submit(s, 2, sent).is_ok()) ++sent;
    }
    Completion c;
    auto r = q.pop(c);
    ASSERT_TRUE(r.is_ok());
    if (r.value()) {
      ASSERT_EQ(slots[c.token].answer, c.token * 3 + 1);
      ++answered;
    }
  }
  done.store(true);
  device.join();
  EXPECT_EQ(device_error, nullptr);
  EXPECT_EQ(q.free_descriptors(), kSize);
}

}  // namespace
}  // namespace glass::virtio
