// Randomized differential test: >= 100,000 map/unmap/protect operations through cursors against a
// reference map of virtual ranges, with mixed page sizes in a window that crosses a root-entry
// boundary; every operation's result is compared, random translations after every operation, and
// every translation of the window every 2,000 operations. GLASS_TEST_SEED=n replays a run.
#include <map>
#include <random>

#include "tests/host/lib/test_seed.h"
#include "tests/host/pt/pt_fixture.h"

namespace glass::mm::testing {
namespace {

// The reference: disjoint runs [start, end) mapped linearly from phys, with one PageProp.
struct Run {
  uint64_t end;
  PhysAddr phys;
  PageProp prop;
};

class Reference {
 public:
  bool overlaps(uint64_t s, uint64_t e) const {
    auto it = runs_.upper_bound(s);
    if (it != runs_.begin() && std::prev(it)->second.end > s) return true;
    return it != runs_.end() && it->first < e;
  }
  void insert(uint64_t s, uint64_t e, PhysAddr phys, PageProp prop) { runs_[s] = {e, phys, prop}; }
  void erase(uint64_t s, uint64_t e) {
    split(s);
    split(e);
    runs_.erase(runs_.lower_bound(s), runs_.lower_bound(e));
  }
  void protect(uint64_t s, uint64_t e, PageProp prop) {
    split(s);
    split(e);
    for (auto it = runs_.lower_bound(s); it != runs_.end() && it->first < e; ++it) {
      it->second.prop = prop;
    }
  }
  // The run containing va, or nullptr.
  const std::pair<const uint64_t, Run>* find(uint64_t va) const {
    auto it = runs_.upper_bound(va);
    if (it == runs_.begin()) return nullptr;
    --it;
    return it->second.end > va ? &*it : nullptr;
  }
  uint64_t bytes() const {
    uint64_t n = 0;
    for (const auto& [s, r] : runs_) n += r.end - s;
    return n;
  }

 private:
  void split(uint64_t at) {
    auto it = runs_.upper_bound(at);
    if (it == runs_.begin()) return;
    --it;
    if (it->first < at && at < it->second.end) {
      runs_[at] = {it->second.end, it->second.phys + (at - it->first), it->second.prop};
      it->second.end = at;
    }
  }
  std::map<uint64_t, Run> runs_;
};

class PtDifferential : public PtTest {};

constexpr uint64_t kWindowStart = 512 * kGiB - 4 * kGiB;
constexpr uint64_t kWindowEnd = 512 * kGiB + 4 * kGiB;

PageProp random_prop(std::mt19937_64& rng) {
  const uint64_t b = rng();
  return PageProp{(b & 1) != 0, (b & 2) != 0, (b & 4) != 0, (b & 8) != 0, (b & 16) != 0};
}

void check_point(PageTable& pt, const Reference& ref, uint64_t va) {
  auto m = PtTest::translate(pt, va);
  ASSERT_TRUE(m.is_ok());
  const auto* run = ref.find(va);
  ASSERT_EQ(m.value().mapped, run != nullptr) << std::hex << "va " << va;
  if (run == nullptr) return;
  const uint64_t page = va & ~(kFrameSize - 1);
  const uint64_t off = page - m.value().va;
  EXPECT_EQ(m.value().phys + off, run->second.phys + (page - run->first)) << std::hex << va;
  EXPECT_EQ(m.value().prop, run->second.prop) << std::hex << va;
}

void check_all(PageTable& pt, const Reference& ref) {
  Cursor c = Cursor::create(pt, kWindowStart, kWindowEnd).value();
  uint64_t bytes = 0;
  while (c.va() < c.end() && c.find_next(c.end() - c.va()).value()) {
    const Mapping q = c.query().value();
    ASSERT_TRUE(q.mapped);
    const auto* run = ref.find(q.va);
    ASSERT_NE(run, nullptr) << std::hex << "unexpected mapping at " << q.va;
    ASSERT_LE(q.va + q.size, run->second.end) << std::hex << q.va;
    ASSERT_EQ(q.phys, run->second.phys + (q.va - run->first)) << std::hex << q.va;
    ASSERT_EQ(q.prop, run->second.prop) << std::hex << q.va;
    bytes += q.size;
    if (q.va + q.size >= c.end()) break;
    ASSERT_TRUE(c.jump(q.va + q.size).is_ok());
  }
  EXPECT_EQ(bytes, ref.bytes());
}

TEST_F(PtDifferential, RandomMapUnmapProtectAgainstReference) {
  const uint64_t seed = glass::testing::test_seed();
  GLASS_SEED_TRACE(seed);
  std::mt19937_64 rng(seed);
  const uint64_t frames_before = page_table_frames();
  {
    PageTable pt = PageTable::create_user(kTestOwner, nullptr).value();
    Reference ref;
    constexpr int kOps = 100000;
    uint64_t maps_ok = 0, maps_refused = 0;
    for (int op = 0; op < kOps; ++op) {
      const unsigned kind = rng() % 10;
      if (kind < 5) {  // map a few pages of one size
        const unsigned r = rng() % 100;
        const unsigned level = r < 75 ? 1 : r < 98 ? 2 : 3;
        const uint64_t size = page_size(level);
        const uint64_t n = level == 1 ? 1 + rng() % 16 : level == 2 ? 1 + rng() % 4 : 1;
        const uint64_t slots = (kWindowEnd - kWindowStart) / size;
        const uint64_t va = kWindowStart + (rng() % (slots - n + 1)) * size;
        const PhysAddr phys = (rng() % (1ull << 28)) * size & pte::kAddrMask;
        const PageProp prop = random_prop(rng);
        CursorMut c = CursorMut::create(pt, va, va + n * size).value();
        for (uint64_t i = 0; i < n; ++i) {
          const uint64_t at = va + i * size;
          const bool busy = ref.overlaps(at, at + size);
          auto res = c.map(phys + i * size, level, prop);
          ASSERT_EQ(res.is_ok(), !busy)
              << std::hex << "op " << std::dec << op << " map at " << std::hex << at;
          if (busy) {
            ASSERT_EQ(res.error(), Error::kAlreadyExists);
            ++maps_refused;
            break;
          }
          ref.insert(at, at + size, phys + i * size, prop);
          ++maps_ok;
        }
      } else {  // unmap or protect a range, usually small, sometimes huge
        const uint64_t len =
            (rng() % 4 == 0) ? (1 + rng() % 2048) * (1ull << 20) : (1 + rng() % 1024) * kFrameSize;
        const uint64_t pages = (kWindowEnd - kWindowStart) / kFrameSize;
        uint64_t va = kWindowStart + (rng() % pages) * kFrameSize;
        const uint64_t end = std::min(va + len, kWindowEnd);
        if (kind < 8) {
          ASSERT_TRUE(unmap_range(pt, va, end - va).is_ok());
          ref.erase(va, end);
        } else {
          const PageProp prop = random_prop(rng);
          CursorMut c = CursorMut::create(pt, va, end).value();
          for (;;) {
            auto r = c.protect_next(c.end() - c.va(), [&](PageProp) { return prop; });
            ASSERT_TRUE(r.is_ok());
            if (r.value().empty()) break;
          }
          ref.protect(va, end, prop);
        }
      }
      for (int k = 0; k < 3; ++k) {
        check_point(pt, ref, kWindowStart + rng() % (kWindowEnd - kWindowStart));
      }
      if (op % 2000 == 1999) {
        check_all(pt, ref);
        if (::testing::Test::HasFailure()) return;
      }
    }
    check_all(pt, ref);
    EXPECT_GT(maps_ok, 10000u);
    EXPECT_GT(maps_refused, 100u);
  }
  EXPECT_EQ(page_table_frames(), frames_before);  // the table gave back every node
}

}  // namespace
}  // namespace glass::mm::testing
