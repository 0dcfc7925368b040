// COM2's receive side for the telemetry channel: routed as ISA IRQ 3 through the I/O APIC when the
// ACPI tables allow it, else polled. Kernel only.
//
// Invariants:
//  - The UART's receive FIFO is read only with interrupts off on this CPU: by the interrupt
//    handler, or by poll()'s catch-up (com2_rx_collect), which runs with interrupts disabled. So
//    there is exactly one reader at a time without a lock. The catch-up exists because the line is
//    edge-triggered: a handler that stops at its per-interrupt bound with bytes still waiting
//    would leave the line high and no new edge would come; the next poll collects them.
//  - The handler only moves bytes into `g_rx` (rx_queue.h, bounded) and never waits. It reads a
//    byte from the UART only when the queue has room for it: a byte it cannot keep stays in the
//    UART, and QEMU (which feeds the UART only as the FIFO empties) keeps the rest on the host
//    side, so a flood is slowed down, never cut into. poll() empties the queue and collects what
//    waited. (A real UART would overrun its FIFO instead; that shows as a line error.) Bytes lost
//    either way reach the host as an rx_lost event (commands_kernel.cpp). Decoding and acting on
//    commands stay in thread context (poll(), commands_kernel.cpp), because a command may take a
//    snapshot or walk the page tables, which is only sound at a quiescent point, and an interrupt
//    can arrive in the middle of an mm operation.
//  - Bad or missing ACPI tables, or an I/O APIC that does not answer, are a warning and the
//    polled path (the state every field starts in), never a crash. The legacy 8259s are masked at
//    boot (drivers::pic_disable) before anything is routed here.
#include <atomic>

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/base/boot_info.h"
#include "kernel/base/kprintf.h"
#include "kernel/boot/acpi.h"
#include "kernel/drivers/ioapic.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/uart16550.h"
#include "kernel/lib/platform.h"
#include "kernel/telemetry/com2_rx.h"
#include "kernel/telemetry/rx_queue.h"
#include "mm/virt/layout.h"

namespace glass::telemetry::internal {
namespace {

constexpr uint8_t kCom2Irq = 3;
constexpr unsigned kMaxBytesPerIrq = 256;       // bounds the handler; poll() collects any rest
constexpr uint64_t kAcpiReadable = 4ull << 30;  // the direct map always covers the low 4 GiB

RxQueue g_rx;
bool g_irq_mode = false;
unsigned g_index = 0;  // the I/O APIC input
uint8_t g_vector = 0;
const char* g_polled_reason = "not set up";
std::atomic<uint64_t> g_irqs{0};
std::atomic<uint64_t> g_irq_bytes{0};
std::atomic<uint64_t> g_catch_up_bytes{0};

const uint8_t* direct_view(uint64_t phys, size_t len, void*) {
  if (len > kAcpiReadable || phys > kAcpiReadable - len) return nullptr;
  return reinterpret_cast<const uint8_t*>(phys + layout::kDirectMapBase);
}

// Moves what the receive FIFO holds into g_rx, at most `max` bytes and no more than the queue has
// room for (see top). Interrupts off.
uint64_t move_fifo(unsigned max) {
  uint64_t n = 0;
  for (; n < max && g_rx.room() != 0; ++n) {
    const int b = drivers::com2().read_for_irq();
    if (b < 0) break;
    (void)g_rx.push(static_cast<uint8_t>(b));  // room was checked: cannot fail
  }
  return n;
}

void on_com2_irq() {
  g_irqs.fetch_add(1, std::memory_order_relaxed);
  g_irq_bytes.fetch_add(move_fifo(kMaxBytesPerIrq), std::memory_order_relaxed);
}

Result<void> route_irq(const char** why) {
  auto found = acpi::find_isa_route(boot_info().rsdp, kCom2Irq, direct_view, nullptr, why);
  if (found.is_error()) return found.error();
  const acpi::IsaRoute& r = found.value();
  drivers::IoApic& io = drivers::ioapic();
  if (io.init(r.ioapic_phys).is_error()) {
    *why = "the I/O APIC the MADT names does not answer";
    return Error::kUnsupported;
  }
  const uint32_t index = r.gsi - r.ioapic_gsi_base;
  if (index >= io.inputs()) {
    *why = "the IRQ's GSI is beyond the I/O APIC's inputs";
    return Error::kNotFound;
  }
  g_index = index;
  g_vector = static_cast<uint8_t>(arch::kVectorIsaBase + kCom2Irq);
  arch::set_irq_handler(kCom2Irq, on_com2_irq);
  const uintptr_t irq = platform::irq_save();
  drivers::IoApicRoute route;
  route.vector = g_vector;
  route.dest_apic_id = drivers::lapic_id();
  route.active_low = r.active_low;
  route.level = r.level;
  route.masked = false;
  if (io.route(index, route).is_error()) {
    platform::irq_restore(irq);
    arch::set_irq_handler(kCom2Irq, nullptr);
    *why = "the I/O APIC refused the redirection entry";
    return Error::kInvalidArgument;
  }
  drivers::com2().enable_rx_interrupts();
  g_irq_mode = true;
  // Bytes a host sent before now raised no interrupt we would see: take them here.
  g_catch_up_bytes.fetch_add(move_fifo(RxQueue::kCapacity), std::memory_order_relaxed);
  platform::irq_restore(irq);
  kprintf("telemetry: COM2 receive by IOAPIC irq %u -> vector %u (gsi %u, %s, %s, lapic %u)\n",
          kCom2Irq, g_vector, r.gsi, r.active_low ? "active low" : "active high",
          r.level ? "level" : "edge", route.dest_apic_id);
  return {};
}

}  // namespace

void com2_rx_init(bool polled) {
  if (polled) {
    g_polled_reason = "telemetry=polled";
    kprintf("telemetry: COM2 receive polled (telemetry=polled)\n");
    return;
  }
  const char* why = "unknown";
  if (route_irq(&why).is_error()) {
    g_polled_reason = why;
    kprintf("telemetry: warning: COM2 receive polled (%s)\n", why);
  }
}

int com2_rx_byte() {
  if (!g_irq_mode) return drivers::com2().try_read();
  return g_rx.pop();
}

void com2_rx_collect() {
  if (!g_irq_mode) return;
  const uintptr_t irq = platform::irq_save();
  g_catch_up_bytes.fetch_add(move_fifo(RxQueue::kCapacity), std::memory_order_relaxed);
  platform::irq_restore(irq);
}

RxInfo com2_rx_info() {
  RxInfo i;
  i.irq_mode = g_irq_mode;
  i.isa_irq = kCom2Irq;
  i.vector = g_vector;
  i.ioapic_index = g_index;
  i.polled_reason = g_irq_mode ? "" : g_polled_reason;
  i.irqs = g_irqs.load(std::memory_order_relaxed);
  i.irq_bytes = g_irq_bytes.load(std::memory_order_relaxed);
  i.catch_up_bytes = g_catch_up_bytes.load(std::memory_order_relaxed);
  i.overflows = g_rx.overflows();
  i.line_errors = drivers::com2().line_errors();
  return i;
}

}  // namespace glass::telemetry::internal
