// Local APIC timer; see lapic.h.
#include "kernel/drivers/lapic.h"

#include <atomic>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/arch/x86_64/percpu.h"
#include "kernel/drivers/tsc.h"
#include "kernel/lib/robust_estimate.h"
#include "mm/virt/layout.h"

namespace glass::drivers {
namespace {
constexpr uint32_t kRegId = 0x20, kRegEoi = 0xb0, kRegSvr = 0xf0, kRegLvtTimer = 0x320,
                   kRegInitCount = 0x380, kRegCurCount = 0x390, kRegDivide = 0x3e0;
constexpr uint32_t kRegIcrLow = 0x300, kRegIcrHigh = 0x310;
constexpr uint32_t kLvtMasked = 1u << 16, kLvtPeriodic = 1u << 17;
constexpr uint32_t kIcrNmi = 4u << 8, kIcrInit = 5u << 8, kIcrStartup = 6u << 8,
                   kIcrPending = 1u << 12, kIcrAssert = 1u << 14;

volatile uint32_t* g_lapic = nullptr;
std::atomic<uint64_t> g_ticks{0};
uint32_t g_hz = 0;
uint64_t g_khz = 0;
uint32_t g_initial_count = 0;

void write_reg(uint32_t reg, uint32_t v) {
  g_lapic[reg / 4] = v;
}
uint32_t read_reg(uint32_t reg) {
  return g_lapic[reg / 4];
}
}  // namespace

LapicCalibration lapic_init(uint32_t hz) {
  const uint64_t base = cpu::rdmsr(cpu::kMsrApicBase);
  cpu::wrmsr(cpu::kMsrApicBase, base | (1u << 11));  // global enable
  g_lapic = reinterpret_cast<volatile uint32_t*>((base & ~0xfffull) + layout::kDirectMapBase);
  write_reg(kRegSvr, 0x100 | arch::kVectorSpurious);
  write_reg(kRegDivide, 0x3);  // divide by 16
  write_reg(kRegLvtTimer, kLvtMasked | arch::kVectorTimer);
  // Several PIT windows, the timer's count read inside the same TSC brackets as the PIT's (so a
  // vCPU stalled at an end is seen, not counted), the median of those that agree kept: under
  // host load one window can stretch (QEMU catches the timer up).
  constexpr uint32_t kWindowUs = 1000;  // counts ~60k at 63 MHz: resolution far below 1%
  auto one_window = [] {
    write_reg(kRegInitCount, 0xffffffffu);  // ~68 s at 63 MHz: never wraps within a window
    const ReferenceWindow w = pit_window(kWindowUs, [] { return read_reg(kRegCurCount); });
    return khz_over(w, w.start.other - w.end.other);
  };
  const RobustEstimate e = robust_estimate(one_window, 5, kCalibrationTolerancePpm, 4);
  const uint64_t khz = e.value;
  write_reg(kRegInitCount, 0);
  g_hz = hz;
  uint64_t count = khz * 1000 / hz;
  if (count == 0) count = 1;
  g_khz = khz;
  g_initial_count = static_cast<uint32_t>(count > 0xffffffffu ? 0xffffffffu : count);
  write_reg(kRegLvtTimer, kLvtPeriodic | arch::kVectorTimer);
  write_reg(kRegInitCount, g_initial_count);
  return LapicCalibration{khz, e.samples, e.rejected, e.ok};
}

void lapic_init_ap() {
  const uint64_t base = cpu::rdmsr(cpu::kMsrApicBase);
  cpu::wrmsr(cpu::kMsrApicBase, base | (1u << 11));
  write_reg(kRegSvr, 0x100 | arch::kVectorSpurious);
  // The boot CPU's calibration holds here too (one bus clock): the same tick, for preemption.
  write_reg(kRegDivide, 0x3);
  write_reg(kRegLvtTimer, kLvtPeriodic | arch::kVectorTimer);
  write_reg(kRegInitCount, g_initial_count);
}

namespace {
// Writes the ICR (high half first: writing the low half sends) once the previous IPI has left.
// Bounded: 1 ms of TSC time (under TCG the bit clears at once; a stuck bit is a broken LAPIC).
bool send_icr(uint8_t apic_id, uint32_t low) {
  const uint64_t ticks = tsc_khz() == 0 ? 1'000'000 : tsc_khz();  // 1 ms
  const uint64_t start = cpu::rdtsc();
  while ((read_reg(kRegIcrLow) & kIcrPending) != 0) {
    if (cpu::rdtsc() - start > ticks) return false;
    cpu::pause();
  }
  write_reg(kRegIcrHigh, static_cast<uint32_t>(apic_id) << 24);
  write_reg(kRegIcrLow, low);
  return true;
}
}  // namespace

bool lapic_send_init(uint8_t apic_id) {
  return send_icr(apic_id, kIcrInit | kIcrAssert);
}
bool lapic_send_startup(uint8_t apic_id, uint8_t page) {
  return send_icr(apic_id, kIcrStartup | kIcrAssert | page);
}
bool lapic_send_ipi(uint8_t apic_id, uint8_t vector) {
  return send_icr(apic_id, kIcrAssert | vector);
}
bool lapic_send_nmi(uint8_t apic_id) {
  return send_icr(apic_id, kIcrNmi | kIcrAssert);
}

uint64_t lapic_timer_khz() {
  return g_khz;
}

uint32_t lapic_initial_count() {
  return g_initial_count;
}

uint32_t lapic_current_count() {
  return g_lapic == nullptr ? 0 : read_reg(kRegCurCount);
}

uint64_t timer_ticks() {
  return g_ticks.load(std::memory_order_relaxed);
}
uint32_t timer_hz() {
  return g_hz;
}

void lapic_on_timer_tick() {
  if (arch::this_cpu_id() == 0) g_ticks.fetch_add(1, std::memory_order_relaxed);
  lapic_eoi();
}

void lapic_eoi() {
  write_reg(kRegEoi, 0);
}

uint8_t lapic_id() {
  return g_lapic == nullptr ? 0 : static_cast<uint8_t>(read_reg(kRegId) >> 24);
}

}  // namespace glass::drivers
