// Block's races under ThreadSanitizer, two threads against each other round after round:
//  - a device completion (the ramdisk's drain) against a timeout scan (Disk::expire) of the same
//    requests: exactly one ends each request (the claim), the other lets go, the waiter sees one
//    outcome, and the tally matches (completions + timeouts == requests);
//  - tag -> request lookups against the ends of those requests: a lookup either finds the
//    request with the fields dispatch published (TSan checks the publication) or finds nothing,
//    an end succeeds only once the lookups have dropped their references, and nothing is found
//    after it.
#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <thread>

#include "tests/host/block/block_fixture.h"

namespace glass::block::testing {
namespace {

// A two-party rendezvous per round (spinning with yields: the host may have fewer cores).
class Rounds {
 public:
  void go(uint32_t round) { round_.store(round, std::memory_order_release); }
  void wait_for(uint32_t round) const {
    while (round_.load(std::memory_order_acquire) < round) sched_yield();
  }

 private:
  std::atomic<uint32_t> round_{0};
};

class BlockRaceTsan : public BlockTest {};

TEST_F(BlockRaceTsan, CompletionAgainstTimeoutEndsEachRequestOnce) {
  constexpr uint32_t kRounds = 300;
  constexpr uint32_t kPerRound = 4;
  Waiter waiters[kPerRound];
  BlockBuffer buffers[kPerRound];
  for (auto& b : buffers) b = make_buffer(1, 0);
  uint64_t completed = 0, timed_out = 0, total_completed = 0, total_timed_out = 0;
  for (Ramdisk::Mode mode : {Ramdisk::Mode::kDeferredRef, Ramdisk::Mode::kDeferredTag}) {
    ramdisk_->set_mode(mode);
    // Rounds r % 3 == 0 are head to head. In r % 3 == 1 the device serves one request before
    // the scan starts, in r % 3 == 2 the scan runs before the device starts: so each side wins
    // somewhere whatever the scheduler does, and the head-to-head rounds race both.
    Rounds start, done_a, done_b, served_one, scanned;
    std::atomic<uint32_t> expired{0};
    std::thread device([&] {
      for (uint32_t r = 1; r <= kRounds; ++r) {
        start.wait_for(r);
        if (r % 3 == 2) scanned.wait_for(r);
        if (r % 3 == 1) {
          (void)ramdisk_->drain(1);
          served_one.go(r);
        }
        if (r % 2 == 0) {
          (void)ramdisk_->drain();  // all at once
        } else {
          // One at a time with a yield between: the scan runs in the middle of the queue.
          while (ramdisk_->queued() != 0) {
            (void)ramdisk_->drain(1);
            sched_yield();
          }
        }
        done_a.go(r);
      }
    });
    std::thread timer([&] {
      for (uint32_t r = 1; r <= kRounds; ++r) {
        start.wait_for(r);
        if (r % 3 == 1) served_one.wait_for(r);
        expired.fetch_add(disk_->expire(~uint64_t{0}), std::memory_order_relaxed);
        scanned.go(r);
        done_b.go(r);
      }
    });
    for (uint32_t r = 1; r <= kRounds; ++r) {
      for (uint32_t i = 0; i < kPerRound; ++i) {
        ASSERT_TRUE(disk_->read(i, 1, buffers[i], 0, waiters[i]).is_ok());
      }
      start.go(r);
      done_a.wait_for(r);
      done_b.wait_for(r);
      for (uint32_t i = 0; i < kPerRound; ++i) {
        ASSERT_TRUE(waiters[i].done()) << "round " << r << ": a request was ended by neither";
        Result<void> res = waiters[i].wait([] {});
        if (res.is_ok()) {
          ++completed;
        } else {
          EXPECT_EQ(res.error(), Error::kBusy);
          ++timed_out;
        }
        buffers[i] = waiters[i].take_buffer();
        ASSERT_TRUE(buffers[i].owns());
      }
      ASSERT_TRUE(disk_->idle()) << "round " << r;
    }
    device.join();
    timer.join();
    EXPECT_EQ(ramdisk_->queued(), 0u);
    EXPECT_EQ(completed + timed_out, uint64_t{kRounds} * kPerRound);
    EXPECT_EQ(timed_out, expired.load()) << "every timeout the scan claimed reached a waiter";
    printf("[ block    ] mode %d: %llu completed, %llu timed out\n", static_cast<int>(mode),
           static_cast<unsigned long long>(completed), static_cast<unsigned long long>(timed_out));
    total_completed += completed;
    total_timed_out += timed_out;
    timed_out = 0;
    completed = 0;
  }
  // Both sides won (guaranteed by the staggered rounds; the tally per mode shows the mix).
  EXPECT_GE(total_completed, 2u * kRounds / 3);
  EXPECT_GE(total_timed_out, 2u * kRounds / 3);
  for (auto& b : buffers) b = BlockBuffer();
}

// A device that keeps each request's reference until the test ends it.
class KeepingDriver final : public Driver {
 public:
  void queue_rq(RequestRef rq, bool /*last*/) override { held[rq.tag()] = std::move(rq); }
  void abort(uint32_t tag) override { held[tag].reset(); }
  RequestRef held[TagSet::kMaxTags];
};

TEST_F(BlockRaceTsan, LookupAgainstEndNeverRevivesARequest) {
  KeepingDriver driver;
  Disk disk;
  ASSERT_TRUE(disk.init(DiskConfig().queue_depth(8).capacity_sectors(1024), driver).is_ok());
  constexpr uint32_t kRounds = 400;
  constexpr uint32_t kPerRound = 8;
  Waiter waiters[kPerRound];
  BlockBuffer buffers[kPerRound];
  for (auto& b : buffers) b = make_buffer(1, 0);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> found{0}, mismatched{0}, passes{0};
  std::thread looker([&] {
    while (!stop.load(std::memory_order_acquire)) {
      passes.fetch_add(1, std::memory_order_acq_rel);
      for (uint32_t tag = 0; tag < disk.tags().size(); ++tag) {
        RequestRef ref = disk.lookup(tag);
        if (!ref) continue;
        found.fetch_add(1, std::memory_order_relaxed);
        // The fields dispatch wrote before publishing refs = 2.
        if (ref.sectors() != 1 || ref.sector() >= 1024 || ref.tag() != tag) {
          mismatched.fetch_add(1, std::memory_order_relaxed);
        }
        RequestRef copy = ref;  // and a copy's increment and decrement in the mix
        // Now and then hold on across a yield, so an end meets a reference it must wait out.
        if ((found.load(std::memory_order_relaxed) & 3) == 0) sched_yield();
      }
      sched_yield();
    }
  });
  uint64_t retries = 0;
  for (uint32_t r = 1; r <= kRounds; ++r) {
    uint32_t tags[kPerRound];
    for (uint32_t i = 0; i < kPerRound; ++i) {
      ASSERT_TRUE(disk.read(r % 1000 + i, 1, buffers[i], 0, waiters[i]).is_ok());
    }
    for (uint32_t i = 0; i < kPerRound; ++i) {
      // This thread submitted, so the driver's slots are this thread's to take.
      tags[i] = static_cast<uint32_t>(-1);
      for (uint32_t t = 0; t < disk.tags().size(); ++t) {
        if (driver.held[t] && driver.held[t].sector() == r % 1000 + i) tags[i] = t;
      }
      ASSERT_NE(tags[i], static_cast<uint32_t>(-1));
    }
    // Let the looker start a pass over the in-flight requests; the ends below race with it.
    const uint64_t seen = passes.load(std::memory_order_acquire);
    while (passes.load(std::memory_order_acquire) < seen + 2) sched_yield();
    for (uint32_t i = 0; i < kPerRound; ++i) {
      EndResult e = end_ok(std::move(driver.held[tags[i]]));
      while (!e.ended()) {
        ASSERT_EQ(e.kind(), EndResult::Kind::kHeld) << "nobody else claims here";
        ++retries;
        sched_yield();
        e = end_ok(e.take_back());
      }
      EXPECT_FALSE(disk.lookup(tags[i])) << "found after its end";
      ASSERT_TRUE(waiters[i].wait([] {}).is_ok());
      buffers[i] = waiters[i].take_buffer();
    }
  }
  stop.store(true, std::memory_order_release);
  looker.join();
  EXPECT_EQ(mismatched.load(), 0u);
  // Every round waited for a whole pass over its in-flight requests.
  EXPECT_GE(found.load(), uint64_t{kRounds} * kPerRound);
  EXPECT_GT(retries, 0u) << "no end ever met a lookup's reference: the race was not run";
  printf("[ block    ] lookups that found a request: %llu, ends retried: %llu\n",
         static_cast<unsigned long long>(found.load()), static_cast<unsigned long long>(retries));
  EXPECT_TRUE(disk.idle());
  for (auto& b : buffers) b = BlockBuffer();
}

}  // namespace
}  // namespace glass::block::testing
