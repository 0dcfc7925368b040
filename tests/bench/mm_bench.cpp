// mm benchmarks: order-0 and order-9 frame alloc+free and 64-byte slab alloc+free, each beside
// glibc malloc/free of the same size and a naive bitmap first-fit frame allocator, in one run.
// Single-threaded figures give the RATIO lines (ours / baseline, same run); the threads:2 rows
// show scaling. Self-contained: main() runs Google Benchmark (console table on stdout, JSON to
// --benchmark_out when given) and then prints the RATIO lines, last.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "mm/mm.h"
#include "mm/phys/host_arena.h"
#include "mm/phys/kmalloc.h"

namespace {

using namespace glass;

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kArena = 512 * kMiB;
constexpr uint64_t kFrames = kArena / mm::kFrameSize;

// The yardstick: one bit per frame, first fit from the bottom, one lock. What a first OS course
// writes before it learns about buddies.
class BitmapAllocator {
 public:
  explicit BitmapAllocator(uint64_t frames) : words_((frames + 63) / 64, 0), frames_(frames) {}
  // First run of 2^order free frames aligned to its size; ~0 when none.
  uint64_t alloc(unsigned order) {
    SpinGuard guard(lock_);
    const uint64_t n = uint64_t{1} << order;
    for (uint64_t p = 0; p + n <= frames_; p += n) {
      uint64_t i = 0;
      while (i < n && !test(p + i)) ++i;
      if (i == n) {
        for (uint64_t j = 0; j < n; ++j) set(p + j, true);
        return p;
      }
    }
    return ~uint64_t{0};
  }
  void free(uint64_t pfn, unsigned order) {
    SpinGuard guard(lock_);
    for (uint64_t j = 0; j < (uint64_t{1} << order); ++j) set(pfn + j, false);
  }

 private:
  bool test(uint64_t b) const { return (words_[b / 64] >> (b % 64)) & 1; }
  void set(uint64_t b, bool v) {
    if (v) {
      words_[b / 64] |= uint64_t{1} << (b % 64);
    } else {
      words_[b / 64] &= ~(uint64_t{1} << (b % 64));
    }
  }
  SpinLock lock_;
  std::vector<uint64_t> words_;
  uint64_t frames_;
};

BitmapAllocator* g_bitmap = nullptr;

// Both frame allocators start with the same background: the low 1/16 of memory in use (the
// kernel and early allocations), so first fit has something to skip, as on a real machine.
void boot_mm() {
  mm::host::arena_create(kArena);
  mm::BootMemory b;
  (void)b.add_available(0, 0x9FC00);
  (void)b.add_available(1 * kMiB, kArena - 1 * kMiB);
  (void)b.add_reserved(1 * kMiB, kArena / 16, mm::FrameKind::kKernelImage);
  if (mm::init(b).is_error()) {
    std::fprintf(stderr, "mm_bench: mm::init failed\n");
    std::exit(1);
  }
  g_bitmap = new BitmapAllocator(kFrames);
  for (uint64_t i = 0; i < kFrames / 16 + 256; ++i) (void)g_bitmap->alloc(0);
}

void BM_mm_order(benchmark::State& state) {
  const auto order = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    auto r = mm::alloc_frames(order, mm::FrameKind::kBlockBuffer, 1);
    if (r.is_error()) {
      state.SkipWithError("out of memory");
      break;
    }
    benchmark::DoNotOptimize(r.value());
    (void)mm::free_frames(r.value(), order, mm::FrameKind::kBlockBuffer);
  }
}

void BM_bitmap_order(benchmark::State& state) {
  const auto order = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    const uint64_t p = g_bitmap->alloc(order);
    benchmark::DoNotOptimize(p);
    g_bitmap->free(p, order);
  }
}

void BM_malloc(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* p = std::malloc(size);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}

void BM_slab(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    auto r = mm::kmalloc(size);
    if (r.is_error()) {
      state.SkipWithError("out of memory");
      break;
    }
    benchmark::DoNotOptimize(r.value());
    mm::kfree(r.value());
  }
}

BENCHMARK(BM_mm_order)->Arg(0)->Arg(9)->Threads(1)->Threads(2);
BENCHMARK(BM_malloc)->Arg(4096)->Arg(2 * 1024 * 1024)->Arg(64)->Threads(1)->Threads(2);
BENCHMARK(BM_bitmap_order)->Arg(0)->Arg(9)->Threads(1)->Threads(2);
BENCHMARK(BM_slab)->Arg(64)->Threads(1)->Threads(2);

// Records ns per iteration by benchmark name while the console reporter prints as usual.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Iteration && !r.error_occurred) {
        ns_[r.benchmark_name()] = r.GetAdjustedRealTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double ns(const std::string& name) const {
    auto it = ns_.find(name);
    return it == ns_.end() ? 0.0 : it->second;
  }

 private:
  std::map<std::string, double> ns_;
};

void print_ratio(const RecordingReporter& rep, const char* name, const char* ours, const char* base,
                 const char* goal) {
  const double a = rep.ns(ours);
  const double b = rep.ns(base);
  if (a <= 0.0 || b <= 0.0) {
    std::printf("RATIO %s nan goal %s\n", name, goal);
    return;
  }
  std::printf("RATIO %s %.2f goal %s\n", name, a / b, goal);
}

void print_scaling(const RecordingReporter& rep, const char* label, const std::string& base) {
  const double one = rep.ns(base + "/threads:1");
  const double two = rep.ns(base + "/threads:2");
  if (one > 0 && two > 0) {
    // Google Benchmark divides wall time by the iterations of all threads together, so the
    // reported figure is already per operation of the whole machine.
    std::printf("  %-22s 1 thread %8.1f ns/op; 2 threads %8.1f ns/op, throughput x%.2f\n", label,
                one, two, one / two);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  boot_mm();
  RecordingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::fflush(stdout);

  std::printf("\nTwo-thread scaling (throughput with 2 threads / with 1; 2.00 is perfect):\n");
  print_scaling(reporter, "mm order 0", "BM_mm_order/0");
  print_scaling(reporter, "glibc malloc(4096)", "BM_malloc/4096");
  print_scaling(reporter, "bitmap order 0", "BM_bitmap_order/0");
  print_scaling(reporter, "slab 64 B", "BM_slab/64");
  print_scaling(reporter, "glibc malloc(64)", "BM_malloc/64");
  std::printf(
      "\nFor comparison (no goal): order 9 mm %.1f ns, malloc(2 MiB) %.1f ns, bitmap %.1f ns;"
      " order 0 bitmap %.1f ns\n",
      reporter.ns("BM_mm_order/9/threads:1"), reporter.ns("BM_malloc/2097152/threads:1"),
      reporter.ns("BM_bitmap_order/9/threads:1"), reporter.ns("BM_bitmap_order/0/threads:1"));
  print_ratio(reporter, "mm_order0_vs_malloc", "BM_mm_order/0/threads:1",
              "BM_malloc/4096/threads:1", "<=1.0");
  print_ratio(reporter, "mm_slab64_vs_malloc", "BM_slab/64/threads:1", "BM_malloc/64/threads:1",
              "<=1.5");
  return 0;
}
