// kernel_main: the boot sequence after boot.S has entered long mode.
//
// Order matters and is the point of this file: console first (so every later step can speak),
// then descriptor tables (so a fault anywhere after is decoded, not a triple fault), then the boot
// information (to know the memory), the direct map, time, and finally the ready line. Tests and
// demos run only after the ready line, so its init time measures boot alone.
#include <stdint.h>

#include "block/boot_ramdisk.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/early_paging.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/base/backtrace.h"
#include "kernel/base/boot_info.h"
#include "kernel/base/kprintf.h"
#include "kernel/base/shutdown.h"
#include "kernel/boot/cmdline.h"
#include "kernel/boot/multiboot2.h"
#include "kernel/core/demo.h"
#include "kernel/core/version.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/drivers/uart16550.h"
#include "kernel/drivers/virtio_blk.h"
#include "kernel/ktest/runner.h"
#include "kernel/lib/fail_inject.h"
#include "kernel/lib/panic.h"
#include "kernel/sched/thread.h"
#include "kernel/smp/ap_boot.h"
#include "kernel/telemetry/telemetry.h"
#include "mm/mm.h"
#include "mm/virt/kernel_space.h"
#include "mm/virt/layout.h"

extern "C" uint64_t glass_boot_tsc;
extern "C" char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[],
    __data_end[];
extern "C" void (*const __init_array_start[])();
extern "C" void (*const __init_array_end[])();

namespace glass {
namespace {
// One line about the disk, whatever happened: a student sees whether the image made it in.
void report_disk() {
  auto disk = drivers::virtio::open_block();
  if (!disk.is_ok()) {
    if (disk.error() == Error::kNotFound) {
      kprintf_verbose("disk: no virtio-blk device attached\n");
    } else {
      kprintf("disk: virtio-blk device unusable (%s): carrying on without a disk\n",
              error_name(disk.error()));
    }
    return;
  }
  const auto& d = *disk.value();
  kprintf(
      "disk: virtio-blk at %02x:%02x.%x, %lu sectors of 512 B (%lu KiB), block %u B, queue "
      "of %u (%u requests in flight), completion %s%s\n",
      d.addr.bus, d.addr.device, d.addr.function, d.sectors, d.sectors / 2, d.logical_block,
      d.queue_size, d.depth, d.interrupts ? "by MSI-X interrupt" : "polled (no MSI-X)",
      d.read_only ? ", read-only" : "");
}

// The boot ramdisk the command line asked for (ramdisk=KIB, ramdisk.fail=N), in one line; a bad
// value is said and the kernel carries on without it.
void report_ramdisk(const Cmdline& c) {
  if (c.ramdisk_kib == 0) {
    if (c.ramdisk_fail != 0) kprintf("ramdisk: ramdisk.fail= without ramdisk=KIB: no ramdisk\n");
    return;
  }
  auto r = block::open_boot_ramdisk(c.ramdisk_kib, c.ramdisk_fail);
  if (r.is_error()) {
    if (r.error() == Error::kInvalidArgument) {
      kprintf(
          "ramdisk: ramdisk=%lu refused: a size is 1..%lu KiB (ramdisk.fail 1..%u): carrying "
          "on without it\n",
          c.ramdisk_kib, block::kBootRamdiskMaxKib, UINT32_MAX);
    } else {
      kprintf("ramdisk: ramdisk=%lu KiB refused (%s): carrying on without it\n", c.ramdisk_kib,
              error_name(r.error()));
    }
    return;
  }
  const block::BootRamdiskInfo& d = *r.value();
  if (d.fail_every != 0) {
    kprintf("ramdisk: %lu KiB, %lu sectors of 512 B, failing every request number %u (injected)\n",
            d.kib, d.sectors, d.fail_every);
  } else {
    kprintf("ramdisk: %lu KiB, %lu sectors of 512 B\n", d.kib, d.sectors);
  }
}

constexpr uint32_t kMultiboot2Magic = 0x36d76289;
constexpr uint32_t kTimerHz = 100;
constexpr uint32_t kTscWindowUs = 2000;      // PIT resolution 838 ns: < 0.05% error
constexpr unsigned kCalibrationWindows = 5;  // median of 5, outliers > 1 % rejected

void run_constructors() {
  for (auto* f = __init_array_start; f != __init_array_end; ++f) (*f)();
}

void console_sink(void*, const char* s, size_t n) {
  console_write_unlocked(s, n);
}

void print_boot_warnings(const mb2::BootInfo& info) {
  for (size_t i = 0; i < info.warning_count; ++i) {
    const auto& w = info.warnings[i];
    kprintf("mb2: warning: tag %u at offset %u: %s\n", w.tag_type, w.offset, w.what);
  }
}

void init_memory(const mb2::BootInfo& info, uint64_t info_phys, uint64_t mapped_bytes) {
  mm::BootMemory boot;
  if (auto r = describe_for_mm(info, info_phys, mapped_bytes, &boot); r.is_error()) {
    panic("mm: cannot describe the boot memory map (%s)", error_name(r.error()));
  }
  if (auto r = mm::init(boot); r.is_error()) {
    panic("mm: init failed (%s)", error_name(r.error()));
  }
  const mm::Stats st = mm::stats();
  kprintf_verbose("frames: %lu usable (%lu MiB), %lu taken at boot, %lu free (%lu MiB)\n",
                  st.usable_frames, st.usable_frames >> 8, st.boot_taken_frames, st.free_frames,
                  st.free_frames >> 8);
  kprintf_verbose("frames by kind:");
  for (size_t k = 0; k < mm::kFrameKindCount; ++k) {
    if (st.kind_frames[k] != 0) {
      kprintf_verbose(" %s=%lu", mm::kind_name(static_cast<mm::FrameKind>(k)), st.kind_frames[k]);
    }
  }
  kprintf_verbose("\n");
}

// Leaves boot.S's page tables for ones built by mm: W^X sections, NX direct map, stack guards.
void init_kernel_page_tables(const BootMemory& mem, uint64_t mapped_bytes) {
  static uint64_t guards[8];
  static mm::MemRange ram[BootMemory::kMaxRam];
  for (size_t i = 0; i < mem.ram_count; ++i) ram[i] = {mem.ram[i].base, mem.ram[i].length};
  mm::KernelImage img;
  img.text_start = reinterpret_cast<uint64_t>(__text_start);
  img.text_end = reinterpret_cast<uint64_t>(__text_end);
  img.rodata_start = reinterpret_cast<uint64_t>(__rodata_start);
  img.rodata_end = reinterpret_cast<uint64_t>(__rodata_end);
  img.data_start = reinterpret_cast<uint64_t>(__data_start);
  img.data_end = reinterpret_cast<uint64_t>(__data_end);
  img.virt_base = layout::kKernelVirtBase;
  img.guard_pages = guards;
  img.guard_count = arch::stack_guard_pages(guards, sizeof guards / sizeof guards[0]);
  img.ram = ram;
  img.ram_count = mem.ram_count;
  img.direct_map_bytes = mapped_bytes;
  if (auto r = mm::activate_kernel_address_space(img); r.is_error()) {
    panic("mm: cannot build the kernel page tables (%s)", error_name(r.error()));
  }
  kprintf_verbose("paging: kernel page tables built by mm (text RX, rodata R, data RW+NX)\n");
}

// The symbol map rides along as the GRUB module whose command line is "symbols".
void load_symbols(const mb2::BootInfo& info) {
  for (size_t i = 0; i < info.module_count; ++i) {
    const auto& m = info.modules[i];
    if (m.cmdline != nullptr && __builtin_strcmp(m.cmdline, "symbols") == 0 && m.end > m.start) {
      kernel_symbols().init(reinterpret_cast<const char*>(m.start + layout::kDirectMapBase),
                            m.end - m.start);
      return;
    }
  }
}

}  // namespace

[[noreturn]] void kernel_start(uint32_t magic, uint64_t info_phys) {
  arch::percpu_install(0);  // before anything asks which CPU this is (locks, telemetry)
  (void)drivers::com1().init();
  (void)drivers::com2().init();
  // Telemetry hears the console from the first line on (it keeps lines until a host attaches)
  // and flushes its rings before a panic leaves QEMU; the lower layers only call the hooks.
  set_console_tap({telemetry::log_line, telemetry::panic_text});
  set_before_panic_exit(telemetry::panic_flush);
  run_constructors();
  arch::gdt_init();
  arch::percpu_install(0);  // again: loading GS in gdt_init may have cleared its base
  sched::init_cpu();        // this context is the boot CPU's thread 0
  arch::idt_init();
  kprintf("\nGlass %s - a see-through teaching kernel (x86-64, C++20)\n", kVersion);

  if (magic != kMultiboot2Magic) {
    panic("not started by a multiboot2 loader (magic %#x, want %#x)", magic, kMultiboot2Magic);
  }
  // boot.S maps the first 1 GiB; GRUB places the boot information low, but check rather than trust.
  constexpr uint64_t kBootMapped = 1ull << 30;
  if (info_phys == 0 || info_phys >= kBootMapped - 8) {
    panic("multiboot2: boot information at %#lx is outside the boot mapping", info_phys);
  }
  auto parsed = mb2::parse(reinterpret_cast<const uint8_t*>(info_phys + layout::kDirectMapBase),
                           kBootMapped - info_phys);
  if (parsed.is_error()) {
    panic("multiboot2: boot information at %#lx is unusable (%s)", info_phys,
          error_name(parsed.error()));
  }
  set_boot_info(parsed.value());
  const mb2::BootInfo& info = boot_info();
  const Cmdline cmdline = parse_cmdline(info.cmdline);
  set_console_quiet(cmdline.quiet);
  // Scripted runs (tests, exit_after_*) leave QEMU on a panic so the harness sees it at once.
  set_exit_on_panic(cmdline.panic_exit || cmdline.exit_after_ready || cmdline.exit_after_demo ||
                    cmdline.ktest[0] != '\0');
  if (!cmdline.quiet) {
    mb2::print_summary(info, FormatSink{console_sink, nullptr});
  } else {
    print_boot_warnings(info);  // quiet hides the summary, never a warning
  }
  for (size_t i = 0; i < cmdline.warning_count; ++i) {
    kprintf("cmdline: warning: %s\n", cmdline.warnings[i]);
  }
  if (cmdline.dropped_warnings) {
    kprintf("cmdline: warning: %zu more warnings not shown\n", cmdline.dropped_warnings);
  }
  load_symbols(info);

  BootMemory mem = collect_boot_memory(info);
  auto paging = arch::early_paging_init(mem.ram, mem.ram_count);
  kprintf_verbose("paging: direct map of %lu MiB at %#lx (2 MiB pages, NX); identity map dropped\n",
                  paging.mapped_bytes >> 20, layout::kDirectMapBase);
  if (paging.ignored_bytes) {
    kprintf("paging: warning: %lu MiB of RAM above %lu GiB is not used\n",
            paging.ignored_bytes >> 20, layout::kDirectMapMax >> 30);
  }
  init_memory(info, info_phys, paging.mapped_bytes);
  init_kernel_page_tables(mem, paging.mapped_bytes);

  drivers::pic_disable();
  const drivers::TscCalibration tsc = drivers::tsc_calibrate(kTscWindowUs, kCalibrationWindows);
  const uint64_t khz = tsc.khz;
  const drivers::LapicCalibration lapic = drivers::lapic_init(kTimerHz);
  cpu::sti();
  telemetry::init(cmdline.telemetry, cmdline.telemetry_polled);
  kprintf_verbose(
      "time: TSC %lu.%03lu MHz (PIT-calibrated, %u windows, %u rejected), LAPIC timer %u Hz "
      "(bus %lu kHz, %u windows, %u rejected)\n",
      khz / 1000, khz % 1000, tsc.windows, tsc.rejected, kTimerHz, lapic.khz, lapic.windows,
      lapic.rejected);
  if (!tsc.trusted || !lapic.trusted) {
    kprintf("time: warning: calibration windows disagreed (TSC %s, LAPIC %s): timing is rough\n",
            tsc.trusted ? "ok" : "untrusted", lapic.trusted ? "ok" : "untrusted");
  }
  report_disk();
  report_ramdisk(cmdline);
  // After the LAPIC (an AP's start is timed by the TSC and sent through this CPU's LAPIC).
  (void)smp::start_aps(info_phys, info.total_size);
  kprintf_verbose("symbols: %zu functions%s\n", kernel_symbols().count(),
                  kernel_symbols().loaded() ? "" : " (module missing: backtraces show addresses)");

  const uint64_t init_us = drivers::tsc_to_us(cpu::rdtsc() - glass_boot_tsc);
  kprintf("GLASS READY init_us=%lu ram_mib=%lu free_mib=%lu cpus=%u tsc_khz=%lu lapic_khz=%lu\n",
          init_us, mem.usable_bytes >> 20, mm::free_frames() >> 8, smp::cpus_online(), khz,
          lapic.khz);

  if (cmdline.ktest[0] != '\0') kernel_exit(ktest::run(cmdline.ktest));
  if (cmdline.demo[0] != '\0') {
    // failinject=N: the demo's Nth allocation fails, to watch an error path (and its cleanup).
    if (cmdline.failinject != 0) {
      kprintf("failinject: allocation %lu of the demo will fail\n", cmdline.failinject);
      fail_inject::arm(cmdline.failinject);
    }
    bool ok = run_demo(cmdline.demo);
    if (cmdline.failinject != 0) {
      fail_inject::disarm();
      kprintf(
          "failinject: %lu allocations checked, %lu failed on purpose (%s)\n",
          fail_inject::checks(), fail_inject::failures(),
          fail_inject::failures() ? fail_inject::site_name(fail_inject::failed_site()) : "none");
      // The demo must have noticed (failed) and given everything back (the audit is clean).
      const mm::AuditReport audit = mm::audit();
      if (!audit.ok) kprintf("failinject: mm audit: %s\n", audit.message);
      ok = ok && audit.ok;
    }
    if (cmdline.exit_after_demo) {
      telemetry::flush(2000);  // bounded: the host gets the last digest if it is reading
      kernel_exit(ok ? ExitCode::kSuccess : ExitCode::kTestsFailed);
    }
  }
  if (cmdline.exit_after_ready) kernel_exit(ExitCode::kSuccess);
  kprintf_verbose("idle: nothing more to do; the timer keeps ticking (Ctrl-A X quits QEMU)\n");
  for (;;) {
    telemetry::poll();  // a quiescent point: the telemetry channel's only home when idle
    cpu::hlt();
  }
}

}  // namespace glass

extern "C" [[noreturn]] void kernel_main(uint32_t magic, uint64_t info_phys) {
  glass::kernel_start(magic, info_phys);
}
