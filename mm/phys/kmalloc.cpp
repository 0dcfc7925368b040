// kmalloc size classes and the large path; see kmalloc.h for the invariants.
// The caches are constinit globals (no constructors run at boot); each guards itself.
#include "mm/phys/kmalloc.h"

#include "kernel/lib/panic.h"
#include "mm/phys/frames.h"
#include "mm/phys/slab.h"

namespace glass::mm {
namespace {

constexpr unsigned kClasses = 8;  // 16 << 0 .. 16 << 7 == 2048
constinit SlabCache g_classes[kClasses] = {
    {"kmalloc-16", 16},   {"kmalloc-32", 32},   {"kmalloc-64", 64},     {"kmalloc-128", 128},
    {"kmalloc-256", 256}, {"kmalloc-512", 512}, {"kmalloc-1024", 1024}, {"kmalloc-2048", 2048},
};
static_assert((16u << (kClasses - 1)) == SlabCache::kMaxObject);

// Size class index: 0 for 1..16, 1 for 17..32, ... (no loop: this is on every kmalloc).
unsigned class_for(size_t size) {
  return size <= 16 ? 0 : static_cast<unsigned>(64 - __builtin_clzll(size - 1)) - 4;
}

}  // namespace

Result<void*> kmalloc(size_t size, size_t align) {
  // The common case first: a small object with the default alignment.
  if (size - 1 < SlabCache::kMaxObject && align == 16) return g_classes[class_for(size)].alloc();
  if (size == 0 || align == 0 || (align & (align - 1)) != 0 || align > kKmallocMaxAlign) {
    return Error::kInvalidArgument;
  }
  // Slab objects of a power-of-two class are aligned to the class, so size up to the alignment.
  const size_t need = size < align ? align : size;
  if (need <= SlabCache::kMaxObject) return g_classes[class_for(need)].alloc();
  if (need > kFrameSize << kMaxOrder) return Error::kInvalidArgument;
  const unsigned order = order_for_frames((need + kFrameSize - 1) / kFrameSize);
  const PhysAddr phys = TRY(alloc_frames(order, FrameKind::kLarge, kOwnerKmalloc));
  return platform::phys_to_virt(phys);
}

void kfree(void* ptr) {
  if (ptr == nullptr) return;
  const FrameTable& t = frame_table();
  const PhysAddr phys = platform::virt_to_phys(ptr);
  const Pfn pfn = phys_to_pfn(phys);
  if (!t.contains(pfn)) {
    panic("mm: kfree(%p): phys %#llx is outside the frame table", ptr,
          static_cast<unsigned long long>(phys));
  }
  const FrameDesc& d = t[pfn];
  const FrameKind kind = load_kind(d);
  if (kind == FrameKind::kSlab) {
    d.u.slab.cache->free_in(ptr, phys, d);
    return;
  }
  if (kind == FrameKind::kLarge && (phys & (kFrameSize - 1)) == 0 && d.alloc_order != kTailOrder) {
    buddy().free(pfn, d.alloc_order, FrameKind::kLarge);
    return;
  }
  t.ownership_panic(pfn, FrameKind::kLarge, "kfree'd");
}

size_t kmalloc_usable_size(const void* ptr) {
  const Pfn pfn = phys_to_pfn(platform::virt_to_phys(ptr));
  const FrameDesc& d = frame_table()[pfn];
  if (load_kind(d) == FrameKind::kSlab) return d.u.slab.cache->object_size();
  if (load_kind(d) == FrameKind::kLarge && d.alloc_order != kTailOrder)
    return kFrameSize << d.alloc_order;
  return 0;
}

}  // namespace glass::mm

namespace glass::mm {

uint64_t kmalloc_live_objects() {
  uint64_t n = 0;
  for (const SlabCache& c : g_classes) n += c.live_objects();
  return n;
}

}  // namespace glass::mm
