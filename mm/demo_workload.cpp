// The demo=mm workload; see demo_workload.h for what a round does and the invariants.
//
// Error paths: a round owns raw frames (blocks), mappings of them, and kmalloc objects that the
// address space's destructor knows nothing about (it only drops folio pages), so they are held by
// RoundOwned, whose destructor — on success and on every error return alike — unmaps the raw
// ranges, then frees the objects and frames, before the address space goes.
#include "mm/demo_workload.h"

#include <utility>

#include "mm/mm.h"
#include "mm/phys/folio.h"
#include "mm/phys/kmalloc.h"
#include "mm/virt/address_space.h"
#include "mm/virt/clear_range.h"
#include "mm/virt/pt_cursor.h"

namespace glass::mm {
namespace {

constexpr uint64_t kStepMs = 40;
constexpr uint64_t kMiB = 1ull << 20, kGiB = 1ull << 30;
constexpr uint64_t kHugeVa = 8 * kGiB;     // the 1 GiB page (of physical memory nobody touches)
constexpr uint64_t kAnonVa = 16 * kGiB;    // the demand-zero VMA
constexpr uint64_t kSharedVa = 24 * kGiB;  // the folio mapped twice
constexpr uint64_t kRawSpan = 64 * kMiB;   // raw blocks live in [base, base + kRawSpan)

struct Block {
  PhysAddr phys = 0;  // 0: not allocated
  unsigned order = 0;
  FrameKind kind = FrameKind::kLarge;
};

Result<void> map_block(PageTable& pt, uint64_t va, const Block& b, unsigned level) {
  const uint64_t size = kFrameSize << b.order;
  CursorMut c = TRY(CursorMut::create(pt, va, va + size));
  const uint64_t step = level == 2 ? 2 * kMiB : kFrameSize;
  for (uint64_t off = 0; off < size; off += step) {
    TRY(c.map(b.phys + off, level, PageProp{.write = true, .user = true}));
  }
  return {};
}

// What a round holds outside the address space's own bookkeeping; see the file comment.
class RoundOwned {
 public:
  RoundOwned(PageTable& pt, uint64_t base) : pt_(pt), base_(base) {}
  RoundOwned(const RoundOwned&) = delete;
  RoundOwned& operator=(const RoundOwned&) = delete;
  ~RoundOwned() {
    // Whole ranges: taking them out never splits a page, so it needs no memory. A cursor that
    // cannot be created here (a missing node it would have to allocate) means nothing is mapped
    // below that node, which is just as good.
    if (raw_mapped) {
      (void)clear_range(pt_, base_, base_ + kRawSpan);
      (void)clear_range(pt_, kHugeVa, kHugeVa + kGiB);
    }
    for (void* o : objs) kfree(o);
    for (const Block& b : blocks) free_block(b);
    free_block(huge);
  }

  Block blocks[4];
  Block huge{0, 9, FrameKind::kLarge};
  void* objs[24] = {};
  bool raw_mapped = false;  // set before the first raw mapping is attempted

 private:
  static void free_block(const Block& b) {
    if (b.phys != 0) (void)free_frames(b.phys, b.order, b.kind);
  }
  PageTable& pt_;
  uint64_t base_;
};

void step(const DemoHooks& hooks, uint64_t ms, const char* done) {
  if (hooks.step != nullptr) hooks.step(hooks.ctx, ms, done);
}

}  // namespace

Result<void> demo_round(int r, const DemoHooks& hooks) {
  auto as = TRY(UniqueAddressSpace::create());
  PageTable& pt = as->page_table();
  const uint64_t base = 0x400000 + static_cast<uint64_t>(r) * kRawSpan;
  RoundOwned own(pt, base);  // destroyed before `as`: raw mappings go before the tables
  step(hooks, kStepMs, "address space created");

  // Frames of every runtime kind, several orders.
  static constexpr FrameKind kKinds[] = {FrameKind::kLarge, FrameKind::kFolio,
                                         FrameKind::kBlockBuffer, FrameKind::kLarge};
  for (int i = 0; i < 4; ++i) {
    Block& b = own.blocks[i];
    b.kind = kKinds[i];
    b.order = static_cast<unsigned>((i * 2 + r) % 6);
    b.phys = TRY(alloc_frames(b.order, b.kind, as->owner()));
    step(hooks, kStepMs / 2, "frames allocated");
  }
  own.huge.phys = TRY(alloc_frames(own.huge.order, own.huge.kind, as->owner()));

  // 4 KiB pages, a 2 MiB page, and a 1 GiB page (of physical memory nobody touches: the address
  // space is never used for access, only to show the tree).
  own.raw_mapped = true;
  for (int i = 0; i < 4; ++i) {
    TRY(map_block(pt, base + static_cast<uint64_t>(i) * 4 * kMiB, own.blocks[i], 1));
    step(hooks, kStepMs, "4 KiB pages mapped");
  }
  TRY(map_block(pt, base + 32 * kMiB, own.huge, 2));
  step(hooks, kStepMs, "2 MiB page mapped");
  {
    CursorMut c = TRY(CursorMut::create(pt, kHugeVa, kHugeVa + kGiB));
    TRY(c.map(1 * kGiB, 3, PageProp{.user = true}));
  }
  step(hooks, kStepMs, "1 GiB page mapped");

  // Demand-zero pages through a VMA: folios appear as the pages are touched.
  {
    MmapWriteGuard w(*as);
    VmaNew vma = TRY(VmaNew::anonymous(kAnonVa, 16 * kFrameSize, Prot{.write = true}));
    TRY(w.map(std::move(vma)));
  }
  for (uint64_t i = 0; i < 16; i += 3) {
    MmapReadGuard g(*as);
    TRY(g.fault_in(kAnonVa + i * kFrameSize, true));
  }
  step(hooks, kStepMs, "demand-zero pages faulted in");
  {
    // Read-only in the middle (the VMA splits in three), then a hole punched into it.
    MmapWriteGuard w(*as);
    TRY(w.protect(kAnonVa + 4 * kFrameSize, 4 * kFrameSize, Prot{}));
    TRY(w.unmap(kAnonVa + 12 * kFrameSize, 2 * kFrameSize));
  }
  step(hooks, kStepMs, "part of the VMA write-protected and part unmapped");

  // One folio mapped at two addresses: each PTE holds a reference, so its count reads 2 until
  // the address space's destructor drops both.
  {
    Folio shared = TRY(Folio::alloc(0, as->owner()));
    Folio second = shared;  // the second reference, for the second mapping
    CursorMut c = TRY(CursorMut::create(pt, kSharedVa, kSharedVa + 4 * kMiB));
    TRY(c.map(shared.phys(), 1, PageProp{.user = true}));
    const PhysAddr phys = std::move(shared).into_phys();  // the first PTE holds this one
    TRY(c.jump(kSharedVa + 2 * kMiB));
    TRY(c.map(phys, 1, PageProp{.user = true}));
    (void)std::move(second).into_phys();  // and the second PTE this one
  }
  step(hooks, kStepMs, "one folio mapped at two addresses (refcount 2)");

  // Small objects: slab frames come and go with them.
  for (auto& o : own.objs) o = TRY(kmalloc(256 + static_cast<size_t>(r) * 64));
  step(hooks, kStepMs, "slab objects allocated");

  // The root there and back (the destructor switches back to the kernel table).
  as->activate();
  step(hooks, kStepMs, "cr3 switched to the round's address space");

  // Down again: a partial unmap inside the 2 MiB page splits it first.
  TRY(clear_range(pt, base + 32 * kMiB + 64 * 1024, base + 32 * kMiB + 128 * 1024));
  step(hooks, kStepMs, "2 MiB page split by a partial unmap");
  TRY(clear_range(pt, base, base + kRawSpan));
  TRY(clear_range(pt, kHugeVa, kHugeVa + kGiB));
  own.raw_mapped = false;
  step(hooks, kStepMs, "mappings removed");
  for (auto*& o : own.objs) kfree(std::exchange(o, nullptr));
  for (Block& b : own.blocks) TRY(free_frames(std::exchange(b.phys, 0), b.order, b.kind));
  TRY(free_frames(std::exchange(own.huge.phys, 0), own.huge.order, own.huge.kind));
  step(hooks, kStepMs, "frames and objects freed");
  return {};
}

Result<void> demo_workload(const DemoHooks& hooks) {
  for (int r = 0; r < kDemoRounds; ++r) TRY(demo_round(r, hooks));
  return {};
}

}  // namespace glass::mm
