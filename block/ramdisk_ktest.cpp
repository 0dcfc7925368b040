// The block layer in the kernel: a ramdisk behind a block::Disk with errors injected (every 3rd
// request fails): each failure reaches its submitter as kMalformed with the buffer handed back,
// the successes carry data, and afterwards no tag, no request reference and no frame is left
// (the mm leak hook around every ktest checks the frames, block-buffer included). The same for the
// boot ramdisk the command line asked for (ktest boots carry ramdisk=64 ramdisk.fail=3).
#include "block/block_buffer.h"
#include "block/boot_ramdisk.h"
#include "block/disk.h"
#include "block/ramdisk.h"
#include "block/waiter.h"
#include "kernel/ktest/ktest.h"

using namespace glass;

namespace {
constexpr mm::OwnerId kOwnerTest = 0x7779;

// A ramdisk and its disk preallocate a request per tag: too big for a kernel stack.
struct Bench {
  block::Ramdisk rd;
  block::Disk disk;
};
alignas(Bench) unsigned char g_storage[sizeof(Bench)];
}  // namespace

KTEST(block, ramdisk_injected_errors_reach_the_submitter_and_leak_nothing) {
  auto* b = new (g_storage) Bench();
  constexpr uint64_t kSectors = 256;
  KASSERT(b->rd.init(kSectors, 512, kOwnerTest).is_ok());
  KASSERT(b->disk
              .init(block::DiskConfig()
                        .queue_depth(4)
                        .queues(1)
                        .logical_block_size(512)
                        .capacity_sectors(kSectors)
                        .timeout_ns(1'000'000'000),
                    b->rd)
              .is_ok());
  b->rd.attach(b->disk);
  b->rd.fail_every(3);
  auto buf = block::BlockBuffer::alloc(1, kOwnerTest);
  KASSERT(buf.is_ok());
  unsigned ok = 0, failed = 0;
  for (unsigned i = 0; i < 12; ++i) {
    block::Waiter w;
    const block::Op op = i % 2 == 0 ? block::Op::kWrite : block::Op::kRead;
    KASSERT(b->disk.submit(op, (i % 4) * 8, 8, buf.value(), 0, w).is_ok());
    auto r = w.wait([] {});  // inline completion: already done
    buf.value() = w.take_buffer();
    KEXPECT(buf.value().owns());  // handed back on success and on failure alike
    if (r.is_ok()) {
      ++ok;
    } else {
      KEXPECT(r.error() == Error::kMalformed);
      ++failed;
    }
  }
  KEXPECT_EQ(failed, 4u);
  KEXPECT_EQ(ok, 8u);
  KEXPECT_EQ(b->rd.injected(), 4u);
  KEXPECT(b->disk.idle());
  b->~Bench();  // the ramdisk's storage goes back; the hook checks the census
}

KTEST(block, boot_ramdisk_from_the_command_line_fails_every_nth_request) {
  auto info = block::boot_ramdisk_info();
  if (info.is_error()) KSKIP("no ramdisk= on the kernel command line");
  block::Disk* disk = block::boot_ramdisk().value();
  block::Ramdisk* rd = block::boot_ramdisk_driver().value();
  const uint32_t n = info.value()->fail_every;
  KASSERT(n != 0);  // the ktest boots ask for injected failures
  KEXPECT_EQ(disk->config().capacity(), info.value()->sectors);
  rd->fail_every(n);  // the count starts again: requests 1..3n, of which n, 2n and 3n fail
  const uint64_t injected = rd->injected();
  auto buf = block::BlockBuffer::alloc(1, kOwnerTest);
  KASSERT(buf.is_ok());
  unsigned failed = 0;
  for (unsigned i = 1; i <= 3 * n; ++i) {
    block::Waiter w;
    KASSERT(disk->read((i * 8) % info.value()->sectors, 8, buf.value(), 0, w).is_ok());
    auto r = w.wait([] {});  // inline completion
    buf.value() = w.take_buffer();
    KEXPECT(buf.value().owns());
    KEXPECT(r.is_ok() == (i % n != 0));
    if (r.is_error()) {
      KEXPECT(r.error() == Error::kMalformed);
      ++failed;
    }
  }
  KEXPECT_EQ(failed, 3u);
  KEXPECT_EQ(rd->injected() - injected, 3u);
  KEXPECT(disk->idle());
}
