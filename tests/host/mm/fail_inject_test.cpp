// Allocation-failure injection on the host (kernel/lib/fail_inject.h): the mm workload and the
// demo=mm workload run once for every N = 1, 2, ... with the Nth allocation failing, until a run
// completes without reaching N. After every run: the workload reported kOutOfMemory (an error
// Result, not a crash), the mm audit is clean, the frame census by kind is back to its starting
// counts and no slab object is left in use (ASan checks the rest).
#include <gtest/gtest.h>

#include <cstdio>

#include "kernel/lib/fail_inject.h"
#include "mm/demo_workload.h"
#include "mm/phys/folio.h"
#include "mm/phys/kmalloc.h"
#include "mm/phys/segment.h"
#include "mm/phys/unique_frame.h"
#include "mm/virt/address_space.h"
#include "mm/virt/kernel_space.h"
#include "tests/host/pt/pt_fixture.h"

namespace glass::mm::testing {
namespace {

namespace fi = glass::fail_inject;

TEST(FailInject, OffCountsNothingAndNeverFails) {
  fi::disarm();
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(fi::should_fail(fi::Site::kOther));
  EXPECT_FALSE(fi::armed());
}

TEST(FailInject, OnlyTheNthFailsOnce) {
  {
    fi::ArmedScope armed(3);
    EXPECT_FALSE(fi::should_fail(fi::Site::kFolio));
    EXPECT_FALSE(fi::should_fail(fi::Site::kSlabObject));
    EXPECT_TRUE(fi::should_fail(fi::Site::kSlabObject));
    EXPECT_FALSE(fi::should_fail(fi::Site::kFolio));
    EXPECT_EQ(fi::checks(), 4u);
    EXPECT_EQ(fi::failures(), 1u);
    EXPECT_EQ(fi::failed_site(), fi::Site::kSlabObject);
    EXPECT_EQ(fi::checks_at(fi::Site::kFolio), 2u);
  }
  EXPECT_FALSE(fi::armed());
  EXPECT_FALSE(fi::should_fail(fi::Site::kFolio));
}

TEST(FailInject, PersistentFailsFromTheNthOn) {
  fi::ArmedScope armed(2, fi::Mode::kPersistent);
  EXPECT_FALSE(fi::should_fail(fi::Site::kOther));
  EXPECT_TRUE(fi::should_fail(fi::Site::kOther));
  EXPECT_TRUE(fi::should_fail(fi::Site::kOther));
  EXPECT_EQ(fi::failures(), 2u);
}

class FailInjectSweep : public PtTest {
 protected:
  void SetUp() override {
    PtTest::SetUp();
    activate_test_kernel_space();
    if (HasFatalFailure()) return;
  }
  void TearDown() override {
    fi::disarm();
    PtTest::TearDown();
  }

  struct Figures {
    uint64_t runs = 0;      // workload runs with a failure injected
    uint64_t points = 0;    // allocation checks a clean run makes (= injection points)
    uint64_t leaks = 0;     // runs after which something was not given back
    uint64_t absorbed = 0;  // runs whose failed allocation was optional (the workload succeeded)
    uint64_t per_site[fi::kSiteCount] = {};
  };

  // Runs `workload` for N = 1, 2, ... and checks everything after each run; see the file comment.
  template <typename W>
  Figures sweep(const char* name, W&& workload) {
    Figures f;
    // Warm up once without injection: caches keep an empty slab, so the baseline is steady.
    {
      auto r = workload();
      EXPECT_TRUE(r.is_ok()) << name
                             << ": the workload fails without injection: " << error_name(r.error());
    }
    const Stats base = stats();
    const uint64_t live_base = kmalloc_live_objects();
    for (uint64_t n = 1;; ++n) {
      fi::arm(n);
      auto r = workload();
      const uint64_t checks = fi::checks();
      const bool fired = fi::failures() != 0;
      const fi::Site site = fi::failed_site();
      fi::disarm();
      if (!fired) {
        EXPECT_TRUE(r.is_ok()) << name << " N=" << n
                               << ": failed with nothing injected: " << error_name(r.error());
        EXPECT_EQ(checks, n - 1) << name << ": the run made a different number of allocations";
        f.points = checks;
        break;
      }
      ++f.runs;
      ++f.per_site[static_cast<unsigned>(site)];
      bool leaked = false;
      if (r.is_ok() && fi::absorbed_failures() != 0) {
        ++f.absorbed;  // an optional allocation (a magazine's prefetch) failed: fine by design
      } else if (r.is_ok()) {
        ADD_FAILURE() << name << " N=" << n << " (" << fi::site_name(site)
                      << "): the allocation failed but the workload reported success";
      } else {
        EXPECT_EQ(r.error(), Error::kOutOfMemory) << name << " N=" << n;
      }
      const AuditReport a = audit();
      if (!a.ok) {
        leaked = true;
        ADD_FAILURE() << name << " N=" << n << ": audit: " << a.message;
      }
      const Stats now = stats();
      for (unsigned k = 0; k < kFrameKindCount; ++k) {
        if (k == index(FrameKind::kSlab) || k == index(FrameKind::kFree)) continue;
        if (now.kind_frames[k] != base.kind_frames[k]) {
          leaked = true;
          ADD_FAILURE() << name << " N=" << n << " (" << fi::site_name(site)
                        << "): " << kind_name(static_cast<FrameKind>(k)) << " frames "
                        << now.kind_frames[k] << ", was " << base.kind_frames[k];
        }
      }
      if (kmalloc_live_objects() != live_base) {
        leaked = true;
        ADD_FAILURE() << name << " N=" << n << " (" << fi::site_name(site)
                      << "): " << kmalloc_live_objects() - live_base << " slab objects not freed";
      }
      if (leaked) ++f.leaks;
      if (n > 100000) {
        ADD_FAILURE() << name << ": no end to the sweep";
        break;
      }
    }
    std::printf("FAILINJECT %s points=%llu runs=%llu leaks=%llu absorbed=%llu", name,
                static_cast<unsigned long long>(f.points), static_cast<unsigned long long>(f.runs),
                static_cast<unsigned long long>(f.leaks),
                static_cast<unsigned long long>(f.absorbed));
    for (unsigned s = 0; s < fi::kSiteCount; ++s) {
      if (f.per_site[s] != 0) {
        std::printf(" [%s]=%llu", fi::site_name(static_cast<fi::Site>(s)),
                    static_cast<unsigned long long>(f.per_site[s]));
      }
    }
    std::printf("\n");
    return f;
  }
};

// The mm operations one by one: address space, every page size, faults, protect, unmap, teardown,
// the handles and the small-object paths.
Result<void> mm_operations() {
  auto as = TRY(UniqueAddressSpace::create());
  constexpr uint64_t kA = 0x10000000;
  {
    MmapWriteGuard w(*as);
    VmaNew vma = TRY(VmaNew::anonymous(kA, 32 * kFrameSize, Prot{.write = true}));
    TRY(w.map(std::move(vma)));
  }
  for (uint64_t i = 0; i < 32; i += 5) {
    MmapReadGuard g(*as);
    TRY(g.fault_in(kA + i * kFrameSize, true));
  }
  {
    MmapWriteGuard w(*as);
    TRY(w.protect(kA + 8 * kFrameSize, 8 * kFrameSize, Prot{}));
    TRY(w.unmap(kA + 20 * kFrameSize, 4 * kFrameSize));
  }
  {
    auto seg = TRY(Segment::alloc(5, FrameKind::kBlockBuffer, kTestOwner));
    auto pt_frame = TRY(PageTableFrame::alloc(kTestOwner));
    Folio f = TRY(Folio::alloc(2, kTestOwner));
    Folio g = f;
    void* small = TRY(kmalloc(40));
    auto big = kmalloc(3 * kFrameSize);
    kfree(small);  // raw pointers: freed before the second result is looked at
    kfree(TRY(std::move(big)));
  }
  PageTable& pt = as->page_table();
  {
    CursorMut c = TRY(CursorMut::create(pt, 0x40000000, 0x40000000 + 4 * kMiB));
    auto huge = TRY(Folio::alloc(9, kTestOwner));
    TRY(c.map(huge.phys(), 2, rw()));
    (void)std::move(huge).into_phys();  // the PTE holds it; the destructor drops it
  }
  return {};
}

TEST_F(FailInjectSweep, MmOperationsReportEveryFailureAndLeakNothing) {
  const Figures f = sweep("mm-operations", [] { return mm_operations(); });
  EXPECT_GT(f.points, 10u);
  EXPECT_EQ(f.runs, f.points);
  EXPECT_EQ(f.leaks, 0u);
}

TEST_F(FailInjectSweep, DemoMmWorkloadReportsEveryFailureAndLeaksNothing) {
  const Figures f = sweep("demo-mm", [] { return demo_workload(DemoHooks{}); });
  EXPECT_GT(f.points, 100u);
  EXPECT_EQ(f.runs, f.points);
  EXPECT_EQ(f.leaks, 0u);
  for (fi::Site s : {fi::Site::kPageTableNode, fi::Site::kLargeFrames, fi::Site::kFolio,
                     fi::Site::kBlockBuffer, fi::Site::kSlabObject}) {
    EXPECT_GT(f.per_site[static_cast<unsigned>(s)], 0u) << fi::site_name(s) << " never exercised";
  }
}

}  // namespace
}  // namespace glass::mm::testing
