// 16550 UART. COM1 (0x3f8) is the human console and KTAP channel; COM2 (0x2f8) is the telemetry
// channel, whose receive side may raise an interrupt (enable_rx_interrupts; the telemetry channel
// routes it).
//
// Invariants: every byte is written only after LSR reports the transmit holding register empty
// (bit 5). Skipping that check loses bytes when the host reader lags (measured under QEMU), so
// there is no "fast path" without it. With the FIFOs on (a 16550A, seen in IIR at init), THRE
// means the whole 16-byte transmit FIFO is empty, so one check admits up to kTxFifo bytes
// (try_write_burst); without a working FIFO it admits one. Writers serialise through the caller's
// lock (kprintf's); this class keeps no lock itself so the panic path can use it with interrupts
// off. The receive side has one reader at a time: the interrupt handler when receive interrupts
// are on, else the poller. Reading LSR clears its error bits (overrun, parity, framing, break)
// whoever reads it, the transmit path included, so every LSR read counts them (line_errors()).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>

namespace glass::drivers {

class Uart16550 {
 public:
  explicit constexpr Uart16550(uint16_t base) : base_(base) {}
  // 115200 8N1, FIFOs on; returns false if no UART answers at this port (scratch-register test).
  [[nodiscard]] bool init();
  void write_byte(uint8_t b);
  void write(const char* s, size_t n);
  // Non-blocking write for the telemetry channel: checks LSR and writes b only if the transmit
  // holding register is empty. False (nothing written) when it is not, or there is no UART.
  [[nodiscard]] bool try_write_byte(uint8_t b);
  // Non-blocking burst: one LSR check, then up to the transmit FIFO's depth of p[0..n) (16 with a
  // working FIFO, else 1). Returns how many bytes were written (0: the UART is still busy).
  [[nodiscard]] size_t try_write_burst(const uint8_t* p, size_t n);
  // True when the transmitter is completely idle (LSR: holding and shift registers empty).
  [[nodiscard]] bool tx_idle();
  [[nodiscard]] bool present() const { return present_; }
  // Non-blocking read: -1 when nothing is waiting.
  [[nodiscard]] int try_read();
  // Receive interrupts: "data available" (also raised by the FIFO's character timeout) and
  // "receiver line status" (overrun, parity, framing, break). OUT2 stays set from init().
  void enable_rx_interrupts();
  void disable_rx_interrupts();
  // For the receive interrupt handler: -1 when the receive FIFO is empty. Its LSR read also
  // acknowledges a line-status interrupt (the error is counted in line_errors()).
  [[nodiscard]] int read_for_irq();
  // LSR reads since boot that showed a receive error (overrun, parity, framing, break): bytes
  // lost on the way in. Any context.
  [[nodiscard]] uint64_t line_errors() const {
    return line_errors_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] bool has_fifo() const { return fifo_; }
  // Loopback (MCR bit 4): what is transmitted is received by this UART and not sent out. For
  // tests of the receive path without a host.
  void set_loopback(bool on);
  static constexpr size_t kTxFifo = 16;
  // Bytes written since boot (for the boot summary and channel-rate figures).
  [[nodiscard]] uint64_t bytes_written() const { return written_; }

 private:
  uint16_t base_;
  bool present_ = false;
  bool fifo_ = false;
  uint64_t written_ = 0;
  std::atomic<uint64_t> line_errors_{0};
  uint8_t lsr();  // reads LSR, counting its error bits
};

Uart16550& com1();
Uart16550& com2();

}  // namespace glass::drivers
