// 16550 UART, polled. COM1 (0x3f8) is the human console and KTAP channel; COM2 (0x2f8) is the
// telemetry channel.
//
// Invariant: every byte is written only after LSR reports the transmit holding register empty
// (bit 5). Skipping that check loses bytes when the host reader lags (measured under QEMU), so
// there is no "fast path" without it. Writers serialise through the caller's lock (kprintf's);
// this class keeps no lock itself so the panic path can use it with interrupts off.
#pragma once

#include <stddef.h>
#include <stdint.h>

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
  // True when the transmitter is completely idle (LSR: holding and shift registers empty).
  [[nodiscard]] bool tx_idle();
  [[nodiscard]] bool present() const { return present_; }
  // Non-blocking read: -1 when nothing is waiting.
  [[nodiscard]] int try_read();
  // Bytes written since boot (for the boot summary and channel-rate figures).
  [[nodiscard]] uint64_t bytes_written() const { return written_; }

 private:
  uint16_t base_;
  bool present_ = false;
  uint64_t written_ = 0;
};

Uart16550& com1();
Uart16550& com2();

}  // namespace glass::drivers
