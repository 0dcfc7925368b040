// A randomized differential test of the disk + ramdisk against a plain reference model (a byte
// array and the ramdisk's failure counter): 100,000 seeded operations — batches of reads and
// writes in every ramdisk mode, injected device errors (fail=N), timeouts of requests the device
// holds or never answers, refused bad input — each outcome and every byte read compared with
// what the model predicts, and the whole disk compared at checkpoints and at the end.
// GLASS_TEST_SEED=<n> replays a failure (the seed is printed).
#include <gtest/gtest.h>
#include <string.h>

#include <random>
#include <vector>

#include "tests/host/block/block_fixture.h"
#include "tests/host/lib/test_seed.h"

namespace glass::block::testing {
namespace {

struct Model {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(BlockTest::kSectors * 512, 0);
  uint32_t fail_every = 0;
  uint32_t served = 0;
  // The ramdisk's rule, restated: the nth request it serves fails when n % fail_every == 0.
  bool serve_fails() {
    ++served;
    return fail_every != 0 && served % fail_every == 0;
  }
};

struct Pending {
  Op op;
  uint64_t sector;
  uint32_t sectors;
  uint32_t offset;
  uint8_t fill;  // a write's byte (per request: cheap to check, distinct between writes)
};

class BlockDifferential : public BlockTest {};

TEST_F(BlockDifferential, HundredThousandOpsAgreeWithTheModel) {
  const uint64_t seed = glass::testing::test_seed();
  GLASS_SEED_TRACE(seed);
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t n) { return static_cast<uint64_t>(rng() % n); };

  constexpr uint64_t kOps = 100'000;
  constexpr uint32_t kBatch = 8;  // the queue's depth: a batch never runs out of tags
  Model model;
  Waiter waiters[kBatch];
  BlockBuffer buffers[kBatch];
  for (auto& b : buffers) b = make_buffer(2, 0);
  uint64_t ops = 0, reads_checked = 0, failed = 0, timed_out = 0, refused = 0;

  while (ops < kOps) {
    // Now and then: refused bad input, checked against the rule it breaks.
    if (pick(20) == 0) {
      const uint64_t kind = pick(3);
      uint64_t sector = pick(BlockTest::kSectors);
      uint32_t sectors = 1 + static_cast<uint32_t>(pick(8));
      uint32_t offset = 0;
      Error want = Error::kOverflow;
      if (kind == 0) {
        sector = BlockTest::kSectors - pick(4);
        sectors = 5 + static_cast<uint32_t>(pick(4));
      } else if (kind == 1) {
        offset = 1 + static_cast<uint32_t>(pick(511));
        want = Error::kInvalidArgument;
      } else {
        sectors = 17 + static_cast<uint32_t>(pick(8));
        sector = 0;
        want = Error::kInvalidArgument;
      }
      Result<void> r = disk_->submit(pick(2) ? Op::kWrite : Op::kRead, sector, sectors, buffers[0],
                                     offset, waiters[0]);
      ASSERT_TRUE(r.is_error()) << "op " << ops;
      ASSERT_EQ(r.error(), want) << "op " << ops;
      ASSERT_TRUE(buffers[0].owns());
      ++refused;
      ++ops;
      continue;
    }
    if (pick(50) == 0) {
      model.fail_every = pick(3) == 0 ? 0 : 2 + static_cast<uint32_t>(pick(6));
      model.served = 0;
      ramdisk_->fail_every(model.fail_every);
    }
    const uint64_t m = pick(10);
    const Ramdisk::Mode mode = m < 3   ? Ramdisk::Mode::kInline
                               : m < 6 ? Ramdisk::Mode::kDeferredRef
                               : m < 9 ? Ramdisk::Mode::kDeferredTag
                                       : Ramdisk::Mode::kNeverAnswers;
    ramdisk_->set_mode(mode);
    // Deferred batches sometimes time out before the device gets to them.
    const bool expire_first =
        mode == Ramdisk::Mode::kNeverAnswers || (mode != Ramdisk::Mode::kInline && pick(8) == 0);
    const uint32_t n = 1 + static_cast<uint32_t>(pick(kBatch));
    Pending p[kBatch];
    for (uint32_t i = 0; i < n; ++i) {
      p[i].op = pick(2) ? Op::kWrite : Op::kRead;
      p[i].sectors = 1 + static_cast<uint32_t>(pick(8));
      p[i].sector = pick(BlockTest::kSectors - p[i].sectors + 1);
      p[i].offset = static_cast<uint32_t>(pick(16 - p[i].sectors + 1)) * 512;
      p[i].fill = static_cast<uint8_t>(1 + pick(255));
      if (p[i].op == Op::kWrite) {
        buffers[i]
            .with_pointer_into(p[i].offset, p[i].sectors * 512u,
                               [&](uint8_t* d) { memset(d, p[i].fill, p[i].sectors * 512u); })
            .release_value();
      }
      ASSERT_TRUE(
          disk_->submit(p[i].op, p[i].sector, p[i].sectors, buffers[i], p[i].offset, waiters[i])
              .is_ok())
          << "op " << ops + i;
    }
    if (expire_first) timed_out += disk_->expire(~uint64_t{0});
    (void)ramdisk_->drain();
    for (uint32_t i = 0; i < n; ++i) {
      ASSERT_TRUE(waiters[i].done()) << "op " << ops + i << " still in flight after its batch";
      Result<void> r = waiters[i].wait([] {});
      buffers[i] = waiters[i].take_buffer();
      const uint64_t at = p[i].sector * 512;
      const uint64_t len = p[i].sectors * 512u;
      if (expire_first) {
        ASSERT_TRUE(r.is_error()) << "op " << ops + i;
        ASSERT_EQ(r.error(), Error::kBusy) << "op " << ops + i;
        continue;
      }
      if (model.serve_fails()) {
        ASSERT_TRUE(r.is_error()) << "op " << ops + i << ": the model expected an injected error";
        ASSERT_EQ(r.error(), Error::kMalformed);
        ++failed;
        continue;
      }
      ASSERT_TRUE(r.is_ok()) << "op " << ops + i << ": " << error_name(r.error());
      if (p[i].op == Op::kWrite) {
        memset(model.bytes.data() + at, p[i].fill, len);
      } else {
        bool same = false;
        buffers[i]
            .with_pointer_into(
                p[i].offset, len,
                [&](uint8_t* d) { same = memcmp(d, model.bytes.data() + at, len) == 0; })
            .release_value();
        ASSERT_TRUE(same) << "op " << ops + i << ": read of sector " << p[i].sector << " x"
                          << p[i].sectors << " differs from the model";
        ++reads_checked;
      }
    }
    ops += n;
    ASSERT_TRUE(disk_->idle()) << "op " << ops;
    if (ops % 20'000 < n) {
      ramdisk_->storage().with_mapped([&](mm::PageBytes b) {
        ASSERT_EQ(memcmp(b.data, model.bytes.data(), model.bytes.size()), 0) << "op " << ops;
      });
    }
  }
  ramdisk_->storage().with_mapped([&](mm::PageBytes b) {
    ASSERT_EQ(memcmp(b.data, model.bytes.data(), model.bytes.size()), 0);
  });
  printf(
      "[ block    ] %llu ops: %llu reads checked, %llu injected errors, %llu timed out, %llu "
      "refused\n",
      static_cast<unsigned long long>(ops), static_cast<unsigned long long>(reads_checked),
      static_cast<unsigned long long>(failed), static_cast<unsigned long long>(timed_out),
      static_cast<unsigned long long>(refused));
  EXPECT_GE(ops, kOps);
  EXPECT_GT(reads_checked, 10'000u);
  EXPECT_GT(failed, 0u);
  EXPECT_GT(timed_out, 0u);
  for (auto& b : buffers) b = BlockBuffer();
}

}  // namespace
}  // namespace glass::block::testing
