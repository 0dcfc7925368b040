// Randomized differential test: mm against a reference model that is too simple to be wrong
// (one bool per frame). >= 100,000 operations per run; seed from GLASS_SEED or a fixed default,
// printed on any failure. Checks after every operation: the returned block was free in the model,
// aligned and usable; the free count agrees; out-of-memory happens exactly when the model has no
// free aligned block of that order. The full audit runs every few thousand operations.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "mm/phys/folio.h"
#include "mm/phys/kmalloc.h"
#include "mm_fixture.h"

namespace glass::mm::testing {
namespace {

uint64_t seed_from_env() {
  const char* s = std::getenv("GLASS_SEED");
  return s != nullptr ? std::strtoull(s, nullptr, 0) : 0x61A55EEDull;
}

struct Block {
  PhysAddr phys;
  unsigned order;
  FrameKind kind;
  uint8_t fill;
};

struct Small {
  uint8_t* ptr;
  size_t size;
  uint8_t fill;
};

class Model {
 public:
  explicit Model(const FrameTable& t) : free_(t.size(), false) {
    for (Pfn p = 0; p < t.size(); ++p) {
      if (load_kind(t[p]) == FrameKind::kFree) {
        free_[p] = true;
        ++free_count_;
      }
    }
  }
  // The block must be entirely free in the model; it becomes allocated.
  bool take(Pfn pfn, unsigned order) {
    if (pfn % (1u << order) != 0 || pfn + (1u << order) > free_.size()) return false;
    for (Pfn i = 0; i < (1u << order); ++i) {
      if (!free_[pfn + i]) return false;
    }
    for (Pfn i = 0; i < (1u << order); ++i) free_[pfn + i] = false;
    free_count_ -= 1u << order;
    return true;
  }
  void give(Pfn pfn, unsigned order) {
    for (Pfn i = 0; i < (1u << order); ++i) free_[pfn + i] = true;
    free_count_ += 1u << order;
  }
  // kmalloc's frames (slab, or large with the kmalloc owner) are invisible to the model, which
  // only tracks the frame API; the descriptor says which model-free frames the heap holds.
  bool has_free_block(unsigned order, const FrameTable& t) const {
    auto heap = [&](size_t p) {
      const FrameKind k = load_kind(t[static_cast<Pfn>(p)]);
      return k == FrameKind::kSlab ||
             (k == FrameKind::kLarge && load_owner(t[static_cast<Pfn>(p)]) == kOwnerKmalloc);
    };
    const size_t n = size_t{1} << order;
    for (size_t p = 0; p + n <= free_.size(); p += n) {
      size_t i = 0;
      while (i < n && free_[p + i] && !heap(p + i)) ++i;
      if (i == n) return true;
    }
    return false;
  }
  uint64_t free_count() const { return free_count_; }

 private:
  std::vector<bool> free_;
  uint64_t free_count_ = 0;
};

class MmDifferential : public MmTest {
 protected:
  // A small machine so that exhaustion and fragmentation happen often.
  void SetUp() override {
    BootMemory b;
    (void)b.add_available(0, 0x9FC00);
    (void)b.add_available(1 * kMiB, 7 * kMiB);
    (void)b.add_available(9 * kMiB, 7 * kMiB + 0x800);  // a hole, and an unaligned end
    (void)b.add_reserved(1 * kMiB, 0x80000, FrameKind::kKernelImage);
    (void)b.add_reserved(12 * kMiB + 0x3000, 0x5000, FrameKind::kBootModule);
    boot(16 * kMiB + 0x1000, b);
  }
};

TEST_F(MmDifferential, RandomOperationsAgreeWithTheModel) {
  const uint64_t seed = seed_from_env();
  SCOPED_TRACE(::testing::Message() << "GLASS_SEED=" << seed);
  std::mt19937_64 rng(seed);
  Model model(frame_table());
  ASSERT_EQ(model.free_count(), free_frames());

  std::vector<Block> blocks;
  std::vector<Folio> folios;
  std::vector<Small> smalls;
  constexpr FrameKind kKinds[] = {FrameKind::kPageTable, FrameKind::kLarge, FrameKind::kBlockBuffer,
                                  FrameKind::kTelemetry};
  constexpr int kOps = 120000;
  uint64_t ooms = 0;

  auto check_fill = [](const uint8_t* p, size_t n, uint8_t fill) {
    for (size_t i = 0; i < n; i += 61) {
      if (p[i] != fill) return false;
    }
    return p[n - 1] == fill;
  };

  for (int op = 0; op < kOps; ++op) {
    const unsigned choice = rng() % 100;
    if (choice < 40) {
      // Frame blocks: small orders mostly, occasionally large.
      unsigned order = static_cast<unsigned>(
          std::min<uint64_t>(std::countr_zero(rng() | (1ull << 62)), kMaxOrder));
      if (rng() % 16 == 0) order = rng() % (kMaxOrder + 1);
      const FrameKind kind = kKinds[rng() % 4];
      auto r = alloc_frames(order, kind, 100 + order);
      if (r.is_error()) {
        ASSERT_EQ(r.error(), Error::kOutOfMemory) << "op " << op;
        ASSERT_FALSE(model.has_free_block(order, frame_table()))
            << "op " << op << ": OOM at order " << order << " but the model has a free block";
        ++ooms;
      } else {
        const Pfn pfn = phys_to_pfn(r.value());
        ASSERT_TRUE(model.take(pfn, order))
            << "op " << op << ": block " << pfn << " order " << order << " was not free";
        const auto fill = static_cast<uint8_t>(rng());
        std::memset(platform::phys_to_virt(r.value()), fill, kFrameSize << order);
        blocks.push_back({r.value(), order, kind, fill});
      }
    } else if (choice < 70) {
      if (blocks.empty()) continue;
      const size_t i = rng() % blocks.size();
      const Block b = blocks[i];
      blocks[i] = blocks.back();
      blocks.pop_back();
      ASSERT_TRUE(check_fill(static_cast<uint8_t*>(platform::phys_to_virt(b.phys)),
                             kFrameSize << b.order, b.fill))
          << "op " << op << ": block " << phys_to_pfn(b.phys) << " was overwritten";
      ASSERT_TRUE(free_frames(b.phys, b.order, b.kind).is_ok());
      model.give(phys_to_pfn(b.phys), b.order);
    } else if (choice < 80) {
      // Folios: allocate, share, drop in random order.
      if (rng() % 2 == 0 || folios.empty()) {
        auto f = Folio::alloc(rng() % 3, 7);
        if (f.is_ok()) {
          const unsigned order = f.value().order();
          ASSERT_TRUE(model.take(phys_to_pfn(f.value().phys()), order)) << "op " << op;
          folios.push_back(f.release_value());
        } else {
          ASSERT_EQ(f.error(), Error::kOutOfMemory);
        }
      } else {
        const size_t i = rng() % folios.size();
        if (rng() % 2 == 0) {
          folios.push_back(folios[i]);  // share
        } else {
          Folio f = std::move(folios[i]);
          folios[i] = std::move(folios.back());
          folios.pop_back();
          if (f.refcount() == 1) model.give(phys_to_pfn(f.phys()), f.order());
        }
      }
    } else {
      // kmalloc: its frames come and go inside mm; the model sees them through the census below.
      if (rng() % 2 == 0 || smalls.empty()) {
        const size_t size = 1 + rng() % (rng() % 8 == 0 ? 9000 : 300);
        auto r = kmalloc(size);
        if (r.is_error()) {
          ASSERT_EQ(r.error(), Error::kOutOfMemory);
        } else {
          const auto fill = static_cast<uint8_t>(rng());
          std::memset(r.value(), fill, size);
          smalls.push_back({static_cast<uint8_t*>(r.value()), size, fill});
        }
      } else {
        const size_t i = rng() % smalls.size();
        const Small s = smalls[i];
        smalls[i] = smalls.back();
        smalls.pop_back();
        ASSERT_TRUE(check_fill(s.ptr, s.size, s.fill))
            << "op " << op << ": kmalloc object " << static_cast<void*>(s.ptr)
            << " was overwritten";
        kfree(s.ptr);
      }
    }
    // kmalloc's frames are invisible to the model; take them into account through the census.
    const Stats st = stats();
    const uint64_t heap = st.kind_frames[index(FrameKind::kSlab)];
    uint64_t large = 0;
    for (const Block& b : blocks) {
      if (b.kind == FrameKind::kLarge) large += 1ull << b.order;
    }
    const uint64_t kmalloc_large = st.kind_frames[index(FrameKind::kLarge)] - large;
    ASSERT_EQ(st.free_frames + heap + kmalloc_large, model.free_count()) << "op " << op;
    if (op % 5000 == 0) {
      AuditReport report = audit();
      ASSERT_TRUE(report.ok) << "op " << op << ": " << report.message;
    }
  }
  EXPECT_GT(ooms, 0u) << "the test never exhausted memory; make the machine smaller";
  for (const Block& b : blocks) ASSERT_TRUE(free_frames(b.phys, b.order, b.kind).is_ok());
  folios.clear();
  for (const Small& s : smalls) kfree(s.ptr);
  expect_clean();
}

}  // namespace
}  // namespace glass::mm::testing
