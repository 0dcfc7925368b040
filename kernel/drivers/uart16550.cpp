// 16550 UART driver; see uart16550.h for the invariants.
#include "kernel/drivers/uart16550.h"

#include <initializer_list>

#include "kernel/arch/x86_64/cpu.h"

namespace glass::drivers {
namespace {
constexpr uint16_t kData = 0, kIer = 1, kFcr = 2, kIir = 2, kLcr = 3, kMcr = 4, kLsr = 5,
                   kScratch = 7;
constexpr uint8_t kLsrDataReady = 0x01, kLsrErrors = 0x1e, kLsrThrEmpty = 0x20, kLsrTxIdle = 0x40;
constexpr uint8_t kIerRxData = 0x01, kIerRxLine = 0x04;
constexpr uint8_t kIirFifosOn = 0xc0;  // both bits: a 16550A whose FIFOs work

Uart16550 g_com1(0x3f8);
Uart16550 g_com2(0x2f8);
}  // namespace

Uart16550& com1() {
  return g_com1;
}
Uart16550& com2() {
  return g_com2;
}

uint8_t Uart16550::lsr() {
  const uint8_t v = cpu::inb(base_ + kLsr);
  if ((v & kLsrErrors) != 0) line_errors_.fetch_add(1, std::memory_order_relaxed);
  return v;
}

bool Uart16550::init() {
  // Presence: the scratch register holds what was written to it; where no UART answers, reads
  // float to 0xff. (Not the loopback test: a host may already be sending on this port, and its
  // bytes would arrive during the test and read as "no UART".)
  for (const uint8_t probe : {uint8_t{0x5a}, uint8_t{0xa5}}) {
    cpu::outb(base_ + kScratch, probe);
    if (cpu::inb(base_ + kScratch) != probe) {
      present_ = false;
      return false;
    }
  }
  cpu::outb(base_ + kIer, 0x00);
  cpu::outb(base_ + kLcr, 0x80);  // DLAB: program the divisor
  cpu::outb(base_ + kData, 1);    // 115200 baud
  cpu::outb(base_ + kIer, 0);
  cpu::outb(base_ + kLcr, 0x03);  // 8N1
  // FIFOs on, transmit FIFO cleared, 14-byte threshold. The receive FIFO is kept: a host that
  // spoke before we were ready (a HELLO) must not lose its bytes.
  cpu::outb(base_ + kFcr, 0xc5);
  fifo_ = (cpu::inb(base_ + kIir) & kIirFifosOn) == kIirFifosOn;
  cpu::outb(base_ + kMcr, 0x0b);  // DTR, RTS, OUT2 (so IRQs can reach the interrupt controller)
  present_ = true;
  return true;
}

void Uart16550::write_byte(uint8_t b) {
  if (!present_) return;
  while ((lsr() & kLsrThrEmpty) == 0) cpu::pause();
  cpu::outb(base_ + kData, b);
  ++written_;
}

bool Uart16550::try_write_byte(uint8_t b) {
  if (!present_ || (lsr() & kLsrThrEmpty) == 0) return false;
  cpu::outb(base_ + kData, b);
  ++written_;
  return true;
}

size_t Uart16550::try_write_burst(const uint8_t* p, size_t n) {
  if (!present_ || n == 0 || (lsr() & kLsrThrEmpty) == 0) return 0;
  const size_t room = fifo_ ? kTxFifo : 1;
  const size_t k = n < room ? n : room;
  for (size_t i = 0; i < k; ++i) cpu::outb(base_ + kData, p[i]);
  written_ += k;
  return k;
}

bool Uart16550::tx_idle() {
  return !present_ || (lsr() & (kLsrThrEmpty | kLsrTxIdle)) == (kLsrThrEmpty | kLsrTxIdle);
}

void Uart16550::write(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) write_byte(static_cast<uint8_t>(s[i]));
}

int Uart16550::try_read() {
  if (!present_ || (lsr() & kLsrDataReady) == 0) return -1;
  return cpu::inb(base_ + kData);
}

void Uart16550::enable_rx_interrupts() {
  if (present_) cpu::outb(base_ + kIer, kIerRxData | kIerRxLine);
}

void Uart16550::set_loopback(bool on) {
  if (present_) cpu::outb(base_ + kMcr, on ? 0x1b : 0x0b);  // DTR, RTS, OUT2 (+ LOOP)
}

void Uart16550::disable_rx_interrupts() {
  if (present_) cpu::outb(base_ + kIer, 0);
}

int Uart16550::read_for_irq() {
  if (!present_ || (lsr() & kLsrDataReady) == 0) return -1;
  return cpu::inb(base_ + kData);
}

}  // namespace glass::drivers
