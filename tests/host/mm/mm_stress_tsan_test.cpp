// Multi-threaded alloc/free stress under ThreadSanitizer: threads stand in for CPUs. Frames and
// folios cross threads (allocated on one, freed on another) so the buddy lock, the kind
// transitions, the slab caches and the folio refcount all see real contention. At the end every
// frame is back and the audit is clean.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "mm/mm.h"
#include "mm/phys/folio.h"
#include "mm/phys/host_arena.h"
#include "mm/phys/kmalloc.h"
#include "mm/phys/unique_frame.h"

namespace glass::mm {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

TEST(MmStressTsan, ConcurrentAllocFreeAcrossThreads) {
  host::arena_create(32 * kMiB);
  BootMemory b;
  ASSERT_TRUE(b.add_available(1 * kMiB, 31 * kMiB).is_ok());
  ASSERT_TRUE(b.add_reserved(1 * kMiB, 0x100000, FrameKind::kKernelImage).is_ok());
  ASSERT_TRUE(init(b).is_ok());
  const uint64_t initial = free_frames();

  constexpr int kThreads =
      2;  // more than the host has cores turns a ticket lock into a queue of sleepers
  constexpr int kOpsPerThread = 40000;
  // A shared exchange where threads leave frames and folios for others to free.
  std::mutex mu;
  std::vector<PageTableFrame> pool;
  std::vector<Folio> shared;

  auto worker = [&](int id) {
    std::mt19937 rng(1000 + id);
    std::vector<PageTableFrame> mine;
    std::vector<std::pair<void*, size_t>> objs;
    for (int op = 0; op < kOpsPerThread; ++op) {
      switch (rng() % 6) {
        case 0: {
          auto f = PageTableFrame::alloc(static_cast<OwnerId>(id));
          if (f.is_ok()) {
            f.value().with_mapped([&](PageBytes bytes) { bytes[0] = static_cast<uint8_t>(id); });
            mine.push_back(f.release_value());
          }
          break;
        }
        case 1:
          if (!mine.empty()) {
            std::lock_guard<std::mutex> g(mu);
            pool.push_back(std::move(mine.back()));
            mine.pop_back();
          }
          break;
        case 2: {
          PageTableFrame f = [&] {
            std::lock_guard<std::mutex> g(mu);
            if (pool.empty()) return PageTableFrame::alloc(99).release_value();
            PageTableFrame x = std::move(pool.back());
            pool.pop_back();
            return x;
          }();
          // f is freed here, possibly on a different thread from its allocator.
          break;
        }
        case 3: {
          const size_t size = 8 + rng() % 700;
          auto r = kmalloc(size);
          if (r.is_ok()) {
            std::memset(r.value(), id, size);
            objs.emplace_back(r.value(), size);
          }
          break;
        }
        case 4:
          if (!objs.empty()) {
            auto [p, size] = objs.back();
            objs.pop_back();
            EXPECT_EQ(static_cast<uint8_t*>(p)[size - 1], static_cast<uint8_t>(id));
            kfree(p);
          }
          break;
        case 5: {
          // Folios: share a reference through the exchange; whoever drops the last one frees.
          std::lock_guard<std::mutex> g(mu);
          if (shared.size() < 16) {
            auto f = Folio::alloc(rng() % 2, static_cast<OwnerId>(id));
            if (f.is_ok()) shared.push_back(f.release_value());
          } else {
            Folio mine_ref = shared[rng() % shared.size()];
            shared.erase(shared.begin() + static_cast<long>(rng() % shared.size()));
            (void)mine_ref.refcount();
          }
          break;
        }
      }
      while (mine.size() > 64) mine.erase(mine.begin());
    }
    for (auto& [p, size] : objs) kfree(p);
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i);
  for (auto& t : threads) t.join();
  pool.clear();
  shared.clear();

  AuditReport report = audit();
  EXPECT_TRUE(report.ok) << report.message;
  const Stats s = stats();
  EXPECT_EQ(s.free_frames + s.kind_frames[index(FrameKind::kSlab)], initial);
  EXPECT_EQ(s.kind_frames[index(FrameKind::kPageTable)], 0u);
  EXPECT_EQ(s.kind_frames[index(FrameKind::kFolio)], 0u);
  host_reset();
  host::arena_destroy();
}

}  // namespace
}  // namespace glass::mm
