// Allocation-failure injection in the kernel (kernel/lib/fail_inject.h): the demo=mm workload
// (mm/demo_workload.h, without its pauses) runs with its Nth allocation failing, for a sampled set
// of N — the first few, then every failinject_stride-th (default 17, `failinject_stride=1` on the
// command line: every N, as `./glass inject` runs it), and the last — and after each run the
// workload has said kOutOfMemory, the mm audit is clean and the frame census and kmalloc objects
// are back where they started. The host runs every N under ASan (tests/host/mm/fail_inject_test).
#include "kernel/base/boot_info.h"
#include "kernel/base/kprintf.h"
#include "kernel/boot/cmdline.h"
#include "kernel/ktest/ktest.h"
#include "kernel/lib/fail_inject.h"
#include "mm/demo_workload.h"
#include "mm/mm.h"
#include "mm/phys/kmalloc.h"

namespace glass {
namespace {

namespace fi = fail_inject;

constexpr uint64_t kDefaultStride = 17;
constexpr uint64_t kAlwaysTried = 8;  // N = 1 .. 8: the first allocations of a round

struct Census {
  uint64_t kinds[mm::kFrameKindCount];
  uint64_t objects;
};

Census census() {
  Census c{};
  const mm::Stats s = mm::stats();
  for (size_t k = 0; k < mm::kFrameKindCount; ++k) c.kinds[k] = s.kind_frames[k];
  c.objects = mm::kmalloc_live_objects();
  return c;
}

// Frames of a kind that a finished run must have given back (slab caches keep empty slabs).
bool tracked(size_t k) {
  return k != mm::index(mm::FrameKind::kFree) && k != mm::index(mm::FrameKind::kSlab);
}

KTEST(fail_inject, demo_workload_fails_cleanly_at_sampled_allocations) {
  // Enough memory for the workload (its 2 MiB block, folios, tables) with room to spare.
  constexpr uint64_t kNeedFrames = 1024;
  if (mm::free_frames() < kNeedFrames) {
    KSKIP("the demo workload needs %lu free frames, %lu free", kNeedFrames, mm::free_frames());
  }
  const Cmdline cmdline = parse_cmdline(boot_info().cmdline);
  const uint64_t stride =
      cmdline.failinject_stride != 0 ? cmdline.failinject_stride : kDefaultStride;

  // A clean run warms the caches (its first slabs are allocations later runs do not make); a
  // second one counts the allocations (n is never reached).
  KASSERT(mm::demo_workload(mm::DemoHooks{}).is_ok());
  fi::arm(~uint64_t{0});
  auto warm = mm::demo_workload(mm::DemoHooks{});
  const uint64_t points = fi::checks();
  fi::disarm();
  KASSERT(warm.is_ok());
  KASSERT(points > 0);
  const Census before = census();

  uint64_t runs = 0, leaks = 0;
  for (uint64_t n = 1; n <= points; ++n) {
    if (n > kAlwaysTried && n % stride != 0 && n != points) continue;
    fi::arm(n);
    auto r = mm::demo_workload(mm::DemoHooks{});
    const bool fired = fi::failures() != 0;
    const fi::Site site = fi::failed_site();
    fi::disarm();
    ++runs;
    if (!fired) {
      // The workload made fewer than n allocations this time (an earlier run left a cache
      // warmer than the counting run saw): it completed, which is where the sweep ends.
      KEXPECT(r.is_ok());
      break;
    }
    if (r.is_ok() && fi::absorbed_failures() != 0) {
      // An optional allocation (a slab magazine's prefetch) failed: handled by design.
    } else if (!r.is_error() || r.error() != Error::kOutOfMemory) {
      KFAIL("N=%lu (%s): the workload did not report out of memory", n, fi::site_name(site));
    }
    const mm::AuditReport a = mm::audit();
    if (!a.ok) KFAIL("N=%lu (%s): mm audit: %s", n, fi::site_name(site), a.message);
    const Census now = census();
    bool leaked = now.objects != before.objects;
    for (size_t k = 0; k < mm::kFrameKindCount; ++k) {
      if (tracked(k) && now.kinds[k] != before.kinds[k]) {
        leaked = true;
        KFAIL("N=%lu (%s): %s frames %lu, were %lu", n, fi::site_name(site),
              mm::kind_name(static_cast<mm::FrameKind>(k)), now.kinds[k], before.kinds[k]);
      }
    }
    if (leaked) ++leaks;
    if (ktest_ctx.failures() > 10) break;  // enough said
  }
  kprintf("        # FAILINJECT kernel points=%lu runs=%lu stride=%lu leaks=%lu\n", points, runs,
          stride, leaks);
  KEXPECT_EQ(leaks, 0);
}

}  // namespace
}  // namespace glass
