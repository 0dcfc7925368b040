// demo=blockbench: the block layer's figures for `./glass bench block` (tests/bench/
// block_bench.py), measured in the guest with the TSC and printed on one line:
//  - memcpy_4k_ns: copying 4 KiB between two block buffers (the yardstick);
//  - ramdisk_4k_ns: one 4 KiB read at a random aligned sector of a 4 MiB ramdisk, submitted
//    through block::Disk and completed inline (the whole request life: tag, dispatch, refcount,
//    end, tag free, and their telemetry when a host is attached);
//  - virtio_qd1_iops / virtio_qd32_iops: random 4 KiB reads from the virtio-blk disk one at a
//    time, and with 32 in flight (resubmitted as they complete, in batches: block/plug.h).
// Invariant: measurement only; everything allocated is freed before it returns (the frames
// census of the caller is unchanged), and a missing disk is reported (virtio figures 0).
#include "block/block_buffer.h"
#include "block/disk.h"
#include "block/plug.h"
#include "block/ramdisk.h"
#include "block/waiter.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/base/kprintf.h"
#include "kernel/core/demo.h"
#include "kernel/drivers/tsc.h"
#include "kernel/drivers/virtio_blk.h"
#include "kernel/telemetry/telemetry.h"

namespace glass {
namespace {
constexpr mm::OwnerId kOwnerBench = 0x7778;
constexpr unsigned kCopies = 2000, kRamdiskReads = 2000, kVirtioReads = 512, kDepth = 32;

uint64_t g_rng = 0x9e3779b97f4a7c15ull;
uint64_t next_random() {  // xorshift64: reproducible offsets, no allocation
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}

uint64_t ns_since(uint64_t t0) {
  return drivers::tsc_to_ns(cpu::rdtsc() - t0);
}

Result<uint64_t> memcpy_4k_ns() {
  auto a = TRY(block::BlockBuffer::alloc(1, kOwnerBench));
  auto b = TRY(block::BlockBuffer::alloc(1, kOwnerBench));
  const uint64_t t0 = cpu::rdtsc();
  for (unsigned i = 0; i < kCopies; ++i) {
    a.with_mapped([&](mm::PageBytes x) {
      b.with_mapped([&](mm::PageBytes y) { __builtin_memcpy(y.data, x.data, 4096); });
    });
  }
  return ns_since(t0) / kCopies;
}

// A ramdisk and its disk preallocate a request per tag: too big for a kernel stack, so they live
// here, constructed and destroyed around the measurement (their frames go back).
struct RamdiskBench {
  block::Ramdisk rd;
  block::Disk disk;
};
alignas(RamdiskBench) unsigned char g_ramdisk_storage[sizeof(RamdiskBench)];

Result<uint64_t> ramdisk_4k_ns(block::Ramdisk& rd, block::Disk& disk);

Result<uint64_t> ramdisk_4k_ns() {
  auto* b = new (g_ramdisk_storage) RamdiskBench();
  auto r = ramdisk_4k_ns(b->rd, b->disk);
  b->~RamdiskBench();
  return r;
}

Result<uint64_t> ramdisk_4k_ns(block::Ramdisk& rd, block::Disk& disk) {
  constexpr uint64_t kSectors = 8192;  // 4 MiB of 512-byte blocks
  TRY(rd.init(kSectors, 512, kOwnerBench));
  TRY(disk.init(block::DiskConfig()
                    .queue_depth(4)
                    .queues(1)
                    .logical_block_size(512)
                    .capacity_sectors(kSectors)
                    .timeout_ns(1'000'000'000),
                rd));
  rd.attach(disk);
  auto buf = TRY(block::BlockBuffer::alloc(1, kOwnerBench));
  block::Waiter w;
  const uint64_t t0 = cpu::rdtsc();
  for (unsigned i = 0; i < kRamdiskReads; ++i) {
    const uint64_t sector = next_random() % (kSectors / 8) * 8;
    TRY(disk.read(sector, 8, buf, 0, w));
    TRY(w.wait([] {}));  // inline: already done
    buf = w.take_buffer();
  }
  const uint64_t ns = ns_since(t0) / kRamdiskReads;
  telemetry::poll();  // let a host drain what the requests recorded before the next part
  return ns;
}

// Random 4 KiB reads with up to `depth` in flight; IOPS. Submissions go in batches
// (block::Plug): the first `depth` together, then, each time a wait returns, every request that
// has finished is resubmitted together, as an application keeping its queue full would.
Result<uint64_t> virtio_iops(unsigned depth) {
  block::Disk* disk = TRY(drivers::virtio::block_disk());
  const uint64_t blocks = disk->config().capacity() / 8;
  block::Waiter w[kDepth];
  block::BlockBuffer bufs[kDepth];
  for (unsigned i = 0; i < depth; ++i) bufs[i] = TRY(block::BlockBuffer::alloc(1, kOwnerBench));
  unsigned submitted = 0, done = 0;
  auto submit = [&](unsigned i) -> Result<void> {
    if (submitted == kVirtioReads) return {};
    TRY(disk->read(next_random() % blocks * 8, 8, bufs[i], 0, w[i]));
    ++submitted;
    return {};
  };
  const uint64_t t0 = cpu::rdtsc();
  {
    block::Plug batch(*disk);
    for (unsigned i = 0; i < depth; ++i) TRY(submit(i));
  }
  while (done < submitted) {
    for (unsigned i = 0; i < depth; ++i) {  // in submission order: each wait also reaps others
      if (!w[i].armed()) continue;
      TRY(drivers::virtio::wait(w[i]));
      bufs[i] = w[i].take_buffer();
      ++done;
      block::Plug batch(*disk);
      TRY(submit(i));
      for (unsigned j = i + 1; j < depth; ++j) {  // finished meanwhile: no wait, same batch
        if (!w[j].armed() || !w[j].done()) continue;
        TRY(drivers::virtio::wait(w[j]));
        bufs[j] = w[j].take_buffer();
        ++done;
        TRY(submit(j));
      }
    }
  }
  const uint64_t ns = ns_since(t0);
  return ns == 0 ? 0 : uint64_t{kVirtioReads} * 1'000'000'000 / ns;
}
}  // namespace

GLASS_DEMO(blockbench, "block-layer figures for ./glass bench block (ramdisk, virtio-blk)") {
  if (telemetry::stats().enabled && !telemetry::attached()) {  // measured with a host recording
    kprintf("blockbench: waiting up to 10 s for a telemetry host on COM2\n");
    const uint64_t end = cpu::rdtsc() + drivers::tsc_khz() * 10000;
    while (!telemetry::attached() && cpu::rdtsc() < end) {
      telemetry::poll();
      cpu::hlt();
    }
  }
  auto copy = memcpy_4k_ns();
  auto ram = ramdisk_4k_ns();
  if (copy.is_error() || ram.is_error()) {
    kprintf("blockbench: %s\n", error_name(copy.is_error() ? copy.error() : ram.error()));
    return false;
  }
  uint64_t qd1 = 0, qd32 = 0;
  if (drivers::virtio::open_block().is_ok()) {
    auto a = virtio_iops(1);
    auto b = virtio_iops(kDepth);
    if (a.is_error() || b.is_error()) {
      kprintf("blockbench: virtio: %s\n", error_name(a.is_error() ? a.error() : b.error()));
      return false;
    }
    qd1 = a.value();
    qd32 = b.value();
  } else {
    kprintf("blockbench: no virtio-blk disk: its figures are 0\n");
  }
  kprintf(
      "BLOCKBENCH memcpy_4k_ns=%lu ramdisk_4k_ns=%lu virtio_qd1_iops=%lu virtio_qd32_iops=%lu "
      "telemetry=%s\n",
      copy.value(), ram.value(), qd1, qd32, telemetry::attached() ? "attached" : "off");
  return true;
}

}  // namespace glass
