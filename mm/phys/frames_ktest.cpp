// In-kernel tests of mm on the real memory map (run at -m 64M, 512M and 4G). Every test runs
// between two hooks: the audit must be clean afterwards and no test may leave a frame or a kmalloc
// object behind (census before == census after).
#include "kernel/ktest/ktest.h"
#include "mm/mm.h"
#include "mm/phys/folio.h"
#include "mm/phys/kmalloc.h"
#include "mm/phys/segment.h"
#include "mm/phys/unique_frame.h"

namespace glass::mm {
namespace {

// Kinds whose counts must be the same before and after every test. Slab frames are not in the
// list: caches legitimately keep empty slabs and per-CPU magazines; kmalloc's live objects are
// compared instead.
constexpr FrameKind kTracked[] = {
    FrameKind::kBusy,        FrameKind::kPageTable, FrameKind::kLarge,      FrameKind::kFolio,
    FrameKind::kBlockBuffer, FrameKind::kTelemetry, FrameKind::kDeviceQueue};

struct Census {
  uint64_t kinds[kFrameKindCount];
  uint64_t kmalloc_objects;
};
Census g_before;

Census take_census() {
  Census c{};
  const Stats s = stats();
  for (size_t k = 0; k < kFrameKindCount; ++k) c.kinds[k] = s.kind_frames[k];
  c.kmalloc_objects = kmalloc_live_objects();
  return c;
}

void before_test() {
  if (initialised()) g_before = take_census();
}

void after_test(ktest::Context& ctx) {
  if (!initialised()) return;
  const AuditReport report = audit();
  if (!report.ok) ctx.fail(__FILE__, __LINE__, "mm audit: %s", report.message);
  const Census now = take_census();
  for (FrameKind k : kTracked) {
    if (now.kinds[index(k)] != g_before.kinds[index(k)]) {
      ctx.fail(__FILE__, __LINE__, "leak: %s frames %llu before, %llu after", kind_name(k),
               static_cast<unsigned long long>(g_before.kinds[index(k)]),
               static_cast<unsigned long long>(now.kinds[index(k)]));
    }
  }
  if (now.kmalloc_objects != g_before.kmalloc_objects) {
    ctx.fail(__FILE__, __LINE__, "leak: %llu kmalloc objects before, %llu after",
             static_cast<unsigned long long>(g_before.kmalloc_objects),
             static_cast<unsigned long long>(now.kmalloc_objects));
  }
}

KTEST_HOOK(mm_audit_and_leaks, before_test, after_test);

// Frames handed out at run time: every runtime kind (frame_kind.h decides which), and kBusy.
uint64_t runtime_frames(const Stats& s) {
  uint64_t n = s.kind_frames[index(FrameKind::kBusy)];
  for (size_t k = 0; k < kFrameKindCount; ++k) {
    if (is_runtime_kind(static_cast<FrameKind>(k))) n += s.kind_frames[k];
  }
  return n;
}

KTEST(mm, free_frames_match_the_boot_map) {
  KASSERT(initialised());
  const Stats s = stats();
  // Everything the loader called usable is free, in use at run time, or taken at boot.
  KEXPECT_EQ(s.free_frames + runtime_frames(s), s.usable_frames - s.boot_taken_frames);
  uint64_t total = 0;
  for (uint64_t c : s.kind_frames) total += c;
  KEXPECT_EQ(total, s.table_frames);
  KEXPECT(s.kind_frames[index(FrameKind::kKernelImage)] > 0);
  KEXPECT(s.kind_frames[index(FrameKind::kFrameTable)] > 0);
  KEXPECT(s.free_frames > 0);
}

KTEST(mm, single_frames_are_above_low_memory_and_owned) {
  KASSERT(initialised());
  // Keep them on a list threaded through the frames themselves: no allocation needed to test it.
  // 512 frames, or half of what is free on a small machine.
  const uint64_t count = free_frames() / 2 < 512 ? free_frames() / 2 : 512;
  PhysAddr head = 0;
  for (uint64_t i = 0; i < count; ++i) {
    auto f = BlockBufferFrame::alloc(kOwnerKernel);
    KEXPECT(f.is_ok());
    if (f.is_error()) break;  // and still give back what the list holds
    KEXPECT(f.value().phys() >= kLowMemoryEnd);
    KEXPECT(f.value().ref().kind() == FrameKind::kBlockBuffer);
    KEXPECT_EQ(f.value().ref().owner(), kOwnerKernel);
    const PhysAddr next = head;
    KEXPECT(f.value()
                .with_pointer_into(0, sizeof next,
                                   [&](uint8_t* p) { __builtin_memcpy(p, &next, sizeof next); })
                .is_ok());
    head = BlockBufferFrame(f.release_value()).into_phys();
  }
  while (head != 0) {
    auto f = BlockBufferFrame::from_phys(head);
    KASSERT(f.is_ok());
    f.value().with_mapped([&](PageBytes b) { __builtin_memcpy(&head, b.data, sizeof head); });
  }
}

// Orders beyond what a small machine can hold are skipped, not failed: with fewer than four
// blocks' worth of frames free, the boot allocations alone may leave no aligned block of that size.
KTEST(mm, every_order_is_aligned) {
  for (unsigned order = 0; order <= kMaxOrder; ++order) {
    auto s = Segment::alloc(uint64_t{1} << order, FrameKind::kTelemetry, kOwnerKernel);
    if (s.is_error() && s.error() == Error::kOutOfMemory &&
        free_frames() < (uint64_t{4} << order)) {
      KSKIP("orders %u..%u: %lu frames free, too few for a block of 2^%u", order, kMaxOrder,
            free_frames(), order);
    }
    KASSERT(s.is_ok());
    KEXPECT_EQ(s.value().phys() % (kFrameSize << order), 0);
    KEXPECT_EQ(s.value().frames(), uint64_t{1} << order);
  }
}

// Where the exhaustion test keeps the blocks it took: an unrolled list whose pages are the first
// frames of some of those blocks. Writing a link into every block instead would make QEMU back
// each block with host memory on first touch: at 4 GiB that was 2 GiB touched for nothing and
// 5 s of the kernel layer. An entry is the block's address with its order in the low bits.
struct BlockIndex {
  static constexpr uint64_t kEntries = kFrameSize / sizeof(PhysAddr) - 2;
  PhysAddr next;  // the previous index page (0 at the end)
  uint64_t count;
  PhysAddr entry[kEntries];
};
static_assert(sizeof(BlockIndex) == kFrameSize);

// Every order, largest first, until not even one frame is left: on any memory size the
// allocator runs dry with an error (never a crash) and gets every frame back.
KTEST(mm, exhaustion_is_an_error_and_everything_comes_back) {
  const uint64_t free_before = free_frames();
  BlockIndex* index = nullptr;
  uint64_t blocks = 0;
  for (unsigned o = kMaxOrder + 1; o-- > 0;) {
    for (;;) {
      auto r = alloc_frames(o, FrameKind::kLarge, kOwnerKernel);
      if (r.is_error()) {
        KEXPECT(r.error() == Error::kOutOfMemory);
        break;
      }
      if (index == nullptr || index->count == BlockIndex::kEntries) {
        auto* page = static_cast<BlockIndex*>(platform::phys_to_virt(r.value()));
        page->next = index == nullptr ? 0 : platform::virt_to_phys(index);
        page->count = 0;
        index = page;  // its own block is entry 0, so it is freed last
      }
      index->entry[index->count++] = r.value() | o;
      ++blocks;
    }
    if (o == 0) KEXPECT_EQ(free_frames(), 0);  // (this CPU's cache is empty too)
  }
  KEXPECT(blocks > 0);
  // Freed only once every order has run dry.
  while (index != nullptr) {
    const PhysAddr next = index->next;
    for (uint64_t i = index->count; i-- > 0;) {
      const PhysAddr e = index->entry[i];
      KEXPECT(free_frames(e & ~(kFrameSize - 1), e & (kFrameSize - 1), FrameKind::kLarge).is_ok());
    }
    index = next == 0 ? nullptr : static_cast<BlockIndex*>(platform::phys_to_virt(next));
  }
  KEXPECT_EQ(free_frames(), free_before);
}

KTEST(mm, bad_addresses_are_errors) {
  KEXPECT(FrameRef::from_phys(0x1001).is_error());
  KEXPECT(FrameRef::from_phys(~0ull & ~0xFFFull).is_error());
  KEXPECT(free_frames(0x123, 0, FrameKind::kLarge).is_error());
  KEXPECT(alloc_frames(kMaxOrder + 1, FrameKind::kLarge, 1).is_error());
}

KTEST(mm, folio_last_put_frees) {
  const uint64_t before = free_frames();
  {
    auto f = Folio::alloc(2, kOwnerKernel);
    KASSERT(f.is_ok());
    Folio a = f.release_value();
    Folio b = a;
    KEXPECT_EQ(a.refcount(), 2);
    KEXPECT_EQ(free_frames(), before - 4);
  }
  KEXPECT_EQ(free_frames(), before);
}

struct Node {
  Node* next;
  uint64_t payload[5];
};

KTEST(mm, kmalloc_and_operator_new) {
  // operator new cannot fail gracefully (it panics on out of memory, by design): make sure the
  // 1000 nodes and the array below fit, with room to spare, before asking.
  constexpr uint64_t kNeedFrames = 64;
  if (free_frames() < kNeedFrames) {
    KSKIP("needs %lu free frames for operator new, %lu free", kNeedFrames, free_frames());
  }
  auto small_r = kmalloc(64);
  auto large_r = kmalloc(3 * kFrameSize);
  KASSERT(small_r.is_ok() && large_r.is_ok());
  void* small = small_r.value();
  void* large = large_r.value();
  KEXPECT_EQ(reinterpret_cast<uintptr_t>(small) % 64, 0);
  KEXPECT_EQ(kmalloc_usable_size(large), 4 * kFrameSize);
  __builtin_memset(small, 0xAB, 64);
  __builtin_memset(large, 0xCD, 3 * kFrameSize);
  kfree(small);
  kfree(large);
  Node* list = nullptr;
  for (int i = 0; i < 1000; ++i) list = new Node{list, {static_cast<uint64_t>(i)}};
  int n = 0;
  while (list != nullptr) {
    Node* next = list->next;
    KEXPECT_EQ(list->payload[0], static_cast<uint64_t>(999 - n));
    delete list;
    list = next;
    ++n;
  }
  KEXPECT_EQ(n, 1000);
  auto* arr = new uint32_t[5000];
  arr[4999] = 7;
  delete[] arr;
}

}  // namespace
}  // namespace glass::mm
