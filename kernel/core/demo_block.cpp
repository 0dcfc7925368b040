// demo=block: a block request's life slowly enough to watch (its events reach the inspector's
// log and glass-trace dump: tag, dispatch, every refcount change, device done, timeout, end):
//  1. a write and a read through a ramdisk that completes later (deferred): refs 2 while the
//     "device" has the request, 0 when it ends;
//  2. an end_ok that fails: the driver claims the end while a tag lookup still holds a third
//     reference (refs 3), so end_ok hands its reference back; once the lookup drops it, refs 2
//     and end_ok succeeds (2 -> 0);
//  3. a device that never answers: only the timeout scan ends the request, with an error.
// Invariant: everything it creates it destroys before returning (disks idle, frames freed); the
// lesson lines say what each step shows.
#include "block/block_buffer.h"
#include "block/disk.h"
#include "block/ramdisk.h"
#include "block/waiter.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/base/boot_info.h"
#include "kernel/base/kprintf.h"
#include "kernel/boot/cmdline.h"
#include "kernel/core/demo.h"
#include "kernel/drivers/tsc.h"
#include "kernel/lib/platform.h"
#include "kernel/telemetry/telemetry.h"

namespace glass {
namespace {
constexpr mm::OwnerId kOwnerDemo = 0x7780;
constexpr uint64_t kSectors = 256;

// Pauses with telemetry running (the host sees each step before the next).
void pause_ms(uint64_t ms) {
  const uint64_t end = cpu::rdtsc() + drivers::tsc_khz() * ms;
  do {
    telemetry::poll();
    cpu::hlt();
  } while (cpu::rdtsc() < end);
}

// A driver that keeps the reference it is given (kHold) or drops it (kNeverAnswer): the demo
// then plays the device by hand.
class HandDriver final : public block::Driver {
 public:
  enum class Mode { kHold, kNeverAnswer };
  void queue_rq(block::RequestRef rq, bool /*last*/) override {
    if (mode == Mode::kHold) held = std::move(rq);
  }
  void abort(uint32_t) override { held.reset(); }
  Mode mode = Mode::kHold;
  block::RequestRef held;
};

struct Devices {
  block::Ramdisk rd;
  block::Disk ram_disk;
  HandDriver hand;
  block::Disk hand_disk;
};
alignas(Devices) unsigned char g_storage[sizeof(Devices)];

Result<void> init(Devices& d) {
  TRY(d.rd.init(kSectors, 512, kOwnerDemo));
  const auto config = block::DiskConfig()
                          .queue_depth(4)
                          .queues(1)
                          .logical_block_size(512)
                          .capacity_sectors(kSectors)
                          .timeout_ns(800'000'000);
  TRY(d.ram_disk.init(config, d.rd));
  d.rd.attach(d.ram_disk);
  d.rd.set_mode(block::Ramdisk::Mode::kDeferredRef);
  TRY(d.hand_disk.init(config, d.hand));
  return {};
}

Result<void> run(Devices& d, uint64_t step_ms) {
  auto buf = TRY(block::BlockBuffer::alloc(1, kOwnerDemo));
  block::Waiter w;
  // 1. Deferred write and read.
  buf.with_mapped([](mm::PageBytes b) {
    for (size_t i = 0; i < b.size; ++i) b[i] = static_cast<uint8_t>(i * 13);
  });
  TRY(d.ram_disk.write(16, 8, buf, 0, w));
  kprintf("demo block: write of sectors 16..23 dispatched: refs 2 (driver + in flight)\n");
  pause_ms(step_ms);
  d.rd.drain();
  TRY(w.wait([] {}));
  buf = w.take_buffer();
  kprintf("demo block: the ramdisk completed it: refs 0, tag free, buffer back\n");
  pause_ms(step_ms);
  TRY(d.ram_disk.read(16, 8, buf, 0, w));
  pause_ms(step_ms);
  d.rd.drain();
  TRY(w.wait([] {}));
  buf = w.take_buffer();
  const bool same = buf.with_mapped([](mm::PageBytes b) {
    for (size_t i = 0; i < b.size; ++i) {
      if (b[i] != static_cast<uint8_t>(i * 13)) return false;
    }
    return true;
  });
  kprintf("demo block: read back: %s\n", same ? "the same bytes" : "DIFFERENT bytes");
  if (!same) return Error::kMalformed;
  pause_ms(step_ms);

  // 2. end_ok refused while a lookup holds a reference.
  d.hand.mode = HandDriver::Mode::kHold;
  TRY(d.hand_disk.read(0, 8, buf, 0, w));
  block::RequestRef lookup = d.hand_disk.lookup(d.hand.held.tag());
  kprintf("demo block: a completion path looked tag %u up: refs %u\n", lookup.tag(),
          lookup.refcount());
  pause_ms(step_ms);
  if (!d.hand.held.try_claim(block::Phase::kClaimedDone)) return Error::kBusy;
  block::EndResult r = block::end_ok(std::move(d.hand.held));
  kprintf("demo block: end_ok with refs 3: %s\n",
          r.ended() ? "ended (wrong!)" : "refused, the reference handed back (2 -> 0 only)");
  if (r.ended()) return Error::kMalformed;
  pause_ms(step_ms);
  lookup.reset();
  block::RequestRef back = r.take_back();
  kprintf("demo block: the lookup dropped its reference: refs %u\n", back.refcount());
  pause_ms(step_ms);
  block::EndResult r2 = block::end_ok(std::move(back));
  kprintf("demo block: end_ok again: %s\n", r2.ended() ? "ended (2 -> 0)" : "refused (wrong!)");
  if (!r2.ended()) return Error::kMalformed;
  TRY(w.wait([] {}));
  buf = w.take_buffer();
  pause_ms(step_ms);

  // 3. A device that never answers.
  d.hand.mode = HandDriver::Mode::kNeverAnswer;
  TRY(d.hand_disk.read(8, 8, buf, 0, w));
  kprintf("demo block: a read the device will never answer: refs 1 (in flight only)\n");
  uint32_t expired = 0;
  while (expired == 0) {
    pause_ms(100);
    expired = d.hand_disk.expire(platform::now_ns());
  }
  auto timed_out = w.wait([] {});
  buf = w.take_buffer();
  kprintf("demo block: the timeout scan ended it: %s\n",
          timed_out.is_error() ? error_name(timed_out.error()) : "ok (wrong!)");
  if (!timed_out.is_error()) return Error::kMalformed;
  return {};
}
}  // namespace

GLASS_DEMO(block,
           "a block request's refcount, slowly: deferred completion, end_ok refused, timeout") {
  if (telemetry::stats().enabled && !telemetry::attached()) {
    kprintf("demo block: waiting up to 10 s for a telemetry host on COM2\n");
    const uint64_t end = cpu::rdtsc() + drivers::tsc_khz() * 10000;
    while (!telemetry::attached() && cpu::rdtsc() < end) pause_ms(10);
  }
  auto* d = new (g_storage) Devices();
  auto r = init(*d);
  // A second per step while someone watches (demo_pace=P: P % of that), a blink otherwise.
  const uint64_t pace = parse_cmdline(boot_info().cmdline).demo_pace;
  if (r.is_ok()) r = run(*d, telemetry::attached() ? 10 * pace : 50);
  const bool idle = d->ram_disk.idle() && d->hand_disk.idle();
  d->~Devices();
  kprintf("DEMO BLOCK DONE %s idle=%d\n", r.is_ok() ? "ok" : error_name(r.error()), idle ? 1 : 0);
  return r.is_ok() && idle;
}

}  // namespace glass
