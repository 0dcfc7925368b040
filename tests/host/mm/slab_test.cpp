// Slab caches and kmalloc: size classes, alignment, reuse, the large path, misuse.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "mm/phys/kmalloc.h"
#include "mm/phys/typed_cache.h"
#include "mm_fixture.h"

namespace glass::mm::testing {
namespace {

using Slab = MmTest;

TEST_F(Slab, SizeClassesAlignAndRoundTrip) {
  const uint64_t before = free_frames();
  std::vector<void*> ptrs;
  for (size_t size : {1, 15, 16, 17, 33, 64, 100, 128, 255, 512, 1000, 2048}) {
    void* p = kmalloc(size).value();
    size_t cls = 16;
    while (cls < size) cls *= 2;
    EXPECT_EQ(kmalloc_usable_size(p), cls) << size;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % cls, 0u) << size;
    std::memset(p, 0x5A, size);
    ptrs.push_back(p);
  }
  expect_clean();
  for (void* p : ptrs) kfree(p);
  kfree(nullptr);
  expect_clean();
  // What stays is slabs pinned by this CPU's magazines (a batch of 8 objects spans 4 slabs of
  // 2048-byte objects) and one empty slab per class.
  EXPECT_EQ(before - free_frames(), stats().kind_frames[index(FrameKind::kSlab)]);
  EXPECT_LE(stats().kind_frames[index(FrameKind::kSlab)], 16u);
}

TEST_F(Slab, ManyObjectsFillAndReleaseSlabs) {
  std::vector<uint64_t*> objs;
  for (int i = 0; i < 5000; ++i) {
    auto* p = static_cast<uint64_t*>(kmalloc(64).value());
    p[0] = i;
    p[7] = ~uint64_t(i);
    objs.push_back(p);
  }
  EXPECT_GE(stats().kind_frames[index(FrameKind::kSlab)], 5000u * 64 / kFrameSize);
  expect_clean();
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(objs[i][0], uint64_t(i));
    ASSERT_EQ(objs[i][7], ~uint64_t(i));
  }
  for (size_t i = 0; i < objs.size(); i += 3) kfree(objs[i]);
  expect_clean();
  for (size_t i = 0; i < objs.size(); ++i) {
    if (i % 3 != 0) kfree(objs[i]);
  }
  expect_clean();
  // Empty slabs go back, except one kept per cache and those pinned by this CPU's magazine.
  EXPECT_LE(stats().kind_frames[index(FrameKind::kSlab)], 1u + SlabCache::kMagazineSize);
}

TEST_F(Slab, LargeAllocationsGoToTheBuddyAllocator) {
  const uint64_t before = free_frames();
  void* p = kmalloc(2049).value();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kFrameSize, 0u);
  EXPECT_EQ(kmalloc_usable_size(p), kFrameSize);
  void* q = kmalloc(3 * kFrameSize + 1).value();
  EXPECT_EQ(kmalloc_usable_size(q), 4 * kFrameSize);
  EXPECT_EQ(stats().kind_frames[index(FrameKind::kLarge)], 5u);
  void* aligned = kmalloc(100, 1 << 16).value();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(aligned) % (1 << 16), 0u);
  kfree(p);
  kfree(q);
  kfree(aligned);
  EXPECT_EQ(free_frames(), before);
}

TEST_F(Slab, BadRequestsAreErrors) {
  EXPECT_EQ(kmalloc(0).error(), Error::kInvalidArgument);
  EXPECT_EQ(kmalloc(16, 3).error(), Error::kInvalidArgument);
  EXPECT_EQ(kmalloc(size_t{1} << 40).error(), Error::kInvalidArgument);
  EXPECT_EQ(kmalloc(SIZE_MAX).error(), Error::kInvalidArgument);
}

TEST_F(Slab, OutOfMemoryIsAnError) {
  std::vector<void*> all;
  for (;;) {
    auto r = kmalloc(2048);
    if (r.is_error()) {
      EXPECT_EQ(r.error(), Error::kOutOfMemory);
      break;
    }
    all.push_back(r.value());
  }
  EXPECT_EQ(free_frames(), 0u);
  EXPECT_EQ(kmalloc(16).error(), Error::kOutOfMemory);
  EXPECT_EQ(kmalloc(5000).error(), Error::kOutOfMemory);
  expect_clean();
  for (void* p : all) kfree(p);
}

struct Widget {
  explicit Widget(int v) : value(v) { ++alive; }
  ~Widget() { --alive; }
  int value;
  char name[40] = {};
  static inline int alive = 0;
};

TEST_F(Slab, TypedCacheConstructsAndDestroys) {
  TypedCache<Widget> cache("widget");
  Widget* w = cache.create(42).value();
  EXPECT_EQ(w->value, 42);
  EXPECT_EQ(Widget::alive, 1);
  EXPECT_EQ(cache.cache().live_objects(), 1u);
  EXPECT_GE(cache.cache().owner_id(), kOwnerDynamicBase);
  EXPECT_EQ(load_owner(frame_table()[phys_to_pfn(platform::virt_to_phys(w))]),
            cache.cache().owner_id());
  expect_clean();
  cache.destroy(w);
  EXPECT_EQ(Widget::alive, 0);
  cache.destroy_cache();
  EXPECT_EQ(stats().kind_frames[index(FrameKind::kSlab)], 0u);
}

using SlabDeathTest = MmTest;

TEST_F(SlabDeathTest, DoubleFreeOfAnObjectPanics) {
  void* p = kmalloc(64).value();
  void* keep = kmalloc(64).value();  // keeps the slab alive after the first free
  kfree(p);
  EXPECT_DEATH(kfree(p),
               "double free of object 0x[0-9a-f]+ in slab frame [0-9]+ \\(cache "
               "kmalloc-64, owner [0-9]+\\)");
  kfree(keep);
}

TEST_F(SlabDeathTest, KfreeOfAFrameThatIsNotKmallocPanics) {
  const PhysAddr p = alloc_frames(0, FrameKind::kPageTable, 12).value();
  EXPECT_DEATH(kfree(platform::phys_to_virt(p)),
               "wrong kind for frame [0-9]+ .*kfree'd as large, but it is page-table owned by 12");
  ASSERT_TRUE(free_frames(p, 0, FrameKind::kPageTable).is_ok());
}

TEST_F(SlabDeathTest, KfreeOfAnInteriorPointerPanics) {
  char* p = static_cast<char*>(kmalloc(64).value());
  EXPECT_DEATH(kfree(p + 8), "is not an object start in slab frame [0-9]+ \\(cache kmalloc-64");
  kfree(p);
}

TEST_F(SlabDeathTest, DestroyingACacheWithLiveObjectsPanics) {
  TypedCache<Widget> cache("widget-leak");
  Widget* w = cache.create(1).value();
  EXPECT_DEATH(cache.destroy_cache(), "cache widget-leak \\(owner [0-9]+\\) destroyed with 1 live");
  cache.destroy(w);
  cache.destroy_cache();
}

}  // namespace
}  // namespace glass::mm::testing
