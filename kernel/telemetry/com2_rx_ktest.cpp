// COM2's receive interrupt as the kernel set it up at boot (the ktest boot has COM2 and telemetry
// on): the I/O APIC's redirection entry, read back from the chip, names our vector, is unmasked,
// targets this CPU's LAPIC and carries the MADT's polarity and trigger; and a byte the UART
// receives (looped back inside the UART, so no host is needed) raises the interrupt and reaches
// the receive queue; a flood larger than the queue is held back in the UART instead of
// overflowing the queue, and the bytes the UART itself then loses (an overrun) are owed to the
// host as an rx_lost event and framed by the next polls.
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/base/boot_info.h"
#include "kernel/boot/acpi.h"
#include "kernel/drivers/ioapic.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/uart16550.h"
#include "kernel/ktest/ktest.h"
#include "kernel/telemetry/channel_state.h"
#include "kernel/telemetry/com2_rx.h"
#include "kernel/telemetry/rx_queue.h"
#include "kernel/telemetry/telemetry.h"
#include "mm/virt/layout.h"

namespace glass::telemetry {
namespace {

const uint8_t* direct_view(uint64_t phys, size_t len, void*) {
  constexpr uint64_t k4G = 4ull << 30;
  if (len > k4G || phys > k4G - len) return nullptr;
  return reinterpret_cast<const uint8_t*>(phys + layout::kDirectMapBase);
}

}  // namespace

KTEST(com2_rx, ioapic_entry_routes_irq3_to_our_vector_on_this_cpu) {
  const internal::RxInfo info = internal::com2_rx_info();
  if (!info.irq_mode) ktest_ctx.fail(__FILE__, __LINE__, "COM2 is polled: %s", info.polled_reason);
  KASSERT(info.irq_mode);
  KEXPECT_EQ(info.vector, arch::kVectorIsaBase + 3u);
  const uint64_t raw = drivers::ioapic().entry(info.ioapic_index);
  const drivers::IoApicRoute e = drivers::IoApic::decode(raw);
  KEXPECT_EQ(e.vector, info.vector);
  KEXPECT(!e.masked);
  KEXPECT_EQ(e.dest_apic_id, drivers::lapic_id());
  KEXPECT_EQ((raw >> 8) & 7, 0u);   // fixed delivery
  KEXPECT_EQ((raw >> 11) & 1, 0u);  // physical destination
  auto route = acpi::find_isa_route(boot_info().rsdp, 3, direct_view, nullptr, nullptr);
  KASSERT(route.is_ok());
  KEXPECT_EQ(e.active_low, route.value().active_low);
  KEXPECT_EQ(e.level, route.value().level);
  KEXPECT_EQ(info.ioapic_index, route.value().gsi - route.value().ioapic_gsi_base);
  // Out-of-range inputs and exception vectors are refused, not written.
  drivers::IoApicRoute bad;
  bad.vector = 0x40;
  KEXPECT(drivers::ioapic().route(drivers::ioapic().inputs(), bad).is_error());
  bad.vector = 14;
  KEXPECT(drivers::ioapic().route(info.ioapic_index, bad).is_error());
  KEXPECT_EQ(drivers::ioapic().entry(info.ioapic_index), raw);
}

KTEST(com2_rx, looped_back_byte_raises_the_receive_interrupt) {
  const internal::RxInfo before = internal::com2_rx_info();
  KASSERT(before.irq_mode);
  drivers::Uart16550& u = drivers::com2();
  // Telemetry bytes still in the transmit FIFO would be looped back too: let them leave first.
  for (int i = 0; i < 1000000 && !u.tx_idle(); ++i) cpu::pause();
  u.set_loopback(true);
  const uint8_t zero = 0;  // a lone 0x00 is a resync marker: the command decoder ignores it
  KEXPECT_EQ(u.try_write_burst(&zero, 1), 1u);
  // One byte under the FIFO's trigger level arrives by the character timeout (4 character
  // times); wait at most 200 ms of timer ticks.
  internal::RxInfo after = before;
  for (int tick = 0; tick < 20 && after.irq_bytes == before.irq_bytes; ++tick) {
    cpu::hlt();
    after = internal::com2_rx_info();
  }
  u.set_loopback(false);
  KEXPECT(after.irqs > before.irqs);
  KEXPECT(after.irq_bytes > before.irq_bytes);
  KEXPECT_EQ(after.overflows, before.overflows);
}

KTEST(com2_rx, a_flood_waits_in_the_uart_and_an_overrun_is_reported) {
  const internal::RxInfo before = internal::com2_rx_info();
  KASSERT(before.irq_mode);
  drivers::Uart16550& u = drivers::com2();
  for (int i = 0; i < 1000000 && !u.tx_idle(); ++i) cpu::pause();
  u.set_loopback(true);
  // Lone 0x00s (resync markers, ignored by the decoder): more than the queue and the UART's FIFO
  // hold together, with no poll() to empty the queue meanwhile.
  static const uint8_t zeros[16] = {};
  size_t sent = 0;
  for (int spins = 0; sent < RxQueue::kCapacity + 64 && spins < 10000000; ++spins)
    sent += u.try_write_burst(zeros, sizeof zeros);
  for (int i = 0; i < 1000000 && !u.tx_idle(); ++i) cpu::pause();
  u.set_loopback(false);
  const internal::RxInfo full = internal::com2_rx_info();
  KEXPECT(sent >= RxQueue::kCapacity + 64);
  KEXPECT_EQ(full.overflows, before.overflows);  // the handler never pushed into a full queue
  // The overrun was counted by whichever LSR read saw it (here, the writer's). The polls empty
  // the queue, collect what waited in the UART and frame the rx_lost that the loss owes.
  poll();
  poll();
  const internal::RxInfo after = internal::com2_rx_info();
  KEXPECT(after.line_errors > before.line_errors);
  KEXPECT_EQ(after.overflows, before.overflows);
  const internal::Channel& c = internal::g_channel;
  KEXPECT(!c.rx_lost_owed);
  KEXPECT_EQ(c.rx_lost_line_errors, after.line_errors);
}

}  // namespace glass::telemetry
