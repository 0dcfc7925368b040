// Boot facts checked against sources the allocator did not compute: the boot loader's memory
// map, the linker's image bounds and the module list. mm's own counters must agree with them.
#include "kernel/base/backtrace.h"
#include "kernel/base/boot_info.h"
#include "kernel/boot/symbol_table.h"
#include "kernel/ktest/ktest.h"
#include "mm/mm.h"

extern "C" char __kernel_phys_start[], __kernel_phys_end[];
extern "C" void kernel_main(uint32_t, uint64_t);

namespace glass {
namespace {

constexpr uint64_t kFrame = 4096;
constexpr uint64_t kLowMemory = 0x100000;

struct Span {
  uint64_t first, end;  // frame numbers, [first, end)
};

// Frames of [base, base+len) rounded outwards (a reservation covers every frame it touches).
Span outward(uint64_t base, uint64_t len) {
  return {base / kFrame, (base + len + kFrame - 1) / kFrame};
}

// Whole frames inside a usable region (rounded inwards: a partial frame is not usable).
Span inward(uint64_t base, uint64_t len) {
  return {(base + kFrame - 1) / kFrame, (base + len) / kFrame};
}

uint64_t overlap(Span a, Span b) {
  const uint64_t lo = a.first > b.first ? a.first : b.first;
  const uint64_t hi = a.end < b.end ? a.end : b.end;
  return hi > lo ? hi - lo : 0;
}

// Sorts and merges spans in place so that overlapping reservations count once.
size_t merge(Span* s, size_t n) {
  for (size_t i = 1; i < n; ++i) {
    for (size_t j = i; j > 0 && s[j].first < s[j - 1].first; --j) {
      const Span t = s[j];
      s[j] = s[j - 1];
      s[j - 1] = t;
    }
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (out > 0 && s[i].first <= s[out - 1].end) {
      if (s[i].end > s[out - 1].end) s[out - 1].end = s[i].end;
    } else {
      s[out++] = s[i];
    }
  }
  return out;
}

}  // namespace

KTEST(boot, frame_accounting_matches_the_loader_map) {
  const mb2::BootInfo& info = boot_info();
  Span usable[mb2::kMaxMemoryRegions];
  size_t nusable = 0;
  uint64_t usable_frames = 0;
  for (size_t i = 0; i < info.mmap_count; ++i) {
    if (info.mmap[i].type != mb2::kMemAvailable) continue;
    usable[nusable] = inward(info.mmap[i].base, info.mmap[i].length);
    usable_frames += usable[nusable].end - usable[nusable].first;
    ++nusable;
  }
  Span taken[mb2::kMaxModules + 3];
  size_t ntaken = 0;
  taken[ntaken++] = {0, kLowMemory / kFrame};
  const auto kstart = reinterpret_cast<uint64_t>(__kernel_phys_start);
  taken[ntaken++] = outward(kstart, reinterpret_cast<uint64_t>(__kernel_phys_end) - kstart);
  for (size_t i = 0; i < info.module_count; ++i) {
    taken[ntaken++] = outward(info.modules[i].start, info.modules[i].end - info.modules[i].start);
  }
  ntaken = merge(taken, ntaken);
  uint64_t taken_frames = 0;
  for (size_t t = 0; t < ntaken; ++t) {
    for (size_t u = 0; u < nusable; ++u) taken_frames += overlap(taken[t], usable[u]);
  }
  const mm::Stats s = mm::stats();
  KEXPECT_EQ(s.usable_frames, usable_frames);
  // The boot information blob sits wherever GRUB put it (often inside the image's span), so it is
  // bounded rather than counted: at most its own frames on top of the rest.
  const uint64_t table = s.kind_frames[mm::index(mm::FrameKind::kFrameTable)];
  const uint64_t info_frames = outward(0, info.total_size).end + 1;
  KEXPECT(s.boot_taken_frames >= taken_frames + table);
  KEXPECT(s.boot_taken_frames <= taken_frames + table + info_frames);
  // The frame table describes every frame up to the highest usable one, 32 bytes each.
  KEXPECT_EQ(table, (s.table_frames * 32 + kFrame - 1) / kFrame);
}

KTEST(boot, symbols_name_kernel_functions) {
  SymbolHit hit;
  KASSERT(kernel_symbols().lookup(reinterpret_cast<uint64_t>(&kernel_main), &hit));
  KEXPECT_EQ(hit.offset, 0);
  KEXPECT(hit.name_len == 11 && __builtin_memcmp(hit.name, "kernel_main", 11) == 0);
}

KTEST(boot, command_line_reached_the_kernel) {
  const char* cmdline = boot_info().cmdline;
  KASSERT(cmdline != nullptr);
  KEXPECT(__builtin_strstr(cmdline, "ktest=") != nullptr);
}

}  // namespace glass
