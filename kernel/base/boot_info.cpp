// Boot memory descriptions; see boot_info.h.
#include "kernel/base/boot_info.h"

#include "kernel/base/kprintf.h"

extern "C" char __kernel_phys_start[], __kernel_phys_end[];

namespace glass {
namespace {
mb2::BootInfo g_boot_info;
}  // namespace

const mb2::BootInfo& boot_info() {
  return g_boot_info;
}
void set_boot_info(const mb2::BootInfo& info) {
  g_boot_info = info;
}

BootMemory collect_boot_memory(const mb2::BootInfo& info) {
  BootMemory mem;
  for (size_t i = 0; i < info.mmap_count; ++i) {
    const auto& e = info.mmap[i];
    if (e.type != mb2::kMemAvailable || e.length == 0) continue;
    if (mem.ram_count == BootMemory::kMaxRam) {
      kprintf("memory: warning: more than %zu RAM ranges; the rest is not used\n",
              BootMemory::kMaxRam);
      break;
    }
    mem.ram[mem.ram_count++] = arch::RamRange{e.base, e.length};
    mem.usable_bytes += e.length;
  }
  return mem;
}

Result<void> describe_for_mm(const mb2::BootInfo& info, uint64_t info_phys, uint64_t limit,
                             mm::BootMemory* out) {
  for (size_t i = 0; i < info.mmap_count; ++i) {
    const auto& e = info.mmap[i];
    if (e.type != mb2::kMemAvailable || e.base >= limit) continue;
    const uint64_t len = e.length < limit - e.base ? e.length : limit - e.base;
    TRY(out->add_available(e.base, len));
  }
  // Linker symbols of the .boot section are physical addresses already.
  const auto kstart = reinterpret_cast<uint64_t>(__kernel_phys_start);
  const auto kend = reinterpret_cast<uint64_t>(__kernel_phys_end);
  TRY(out->add_reserved(kstart, kend - kstart, mm::FrameKind::kKernelImage));
  for (size_t i = 0; i < info.module_count; ++i) {
    const auto& m = info.modules[i];
    TRY(out->add_reserved(m.start, m.end - m.start, mm::FrameKind::kBootModule));
  }
  TRY(out->add_reserved(info_phys, info.total_size, mm::FrameKind::kBootInfo));
  return {};
}

}  // namespace glass
