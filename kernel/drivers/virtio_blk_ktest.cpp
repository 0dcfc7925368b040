// virtio-blk through the block layer on the real QEMU device the harness attached (a scratch image
// per boot): patterns written then read back, the last sector included; bad requests refused
// before the device; errors the device itself reports (injected: requests sent past its end) end
// their requests with an error, no reference left and the buffer back; a batch (block::Plug)
// reaches the device; every request accounted for and every completion an interrupt; no frame
// leaked (the frames ktest hook checks around every test).
#include "block/block_buffer.h"
#include "block/disk.h"
#include "block/plug.h"
#include "block/waiter.h"
#include "kernel/drivers/virtio_blk.h"
#include "kernel/ktest/ktest.h"

using namespace glass;
using namespace glass::drivers;

namespace {
constexpr mm::OwnerId kOwnerTest = 0x7777;

// Byte j of sector s is (s * 31 + j * 7 + seed) mod 256: every sector differs, and the e2e check
// recomputes it on the host from the image file (tests/harness/e2e.py, disk persistence).
void fill(const block::BlockBuffer& f, uint64_t first_sector, uint8_t seed) {
  f.with_mapped([&](mm::PageBytes b) {
    for (size_t i = 0; i < b.size; ++i) {
      b[i] = static_cast<uint8_t>((first_sector + i / 512) * 31 + (i % 512) * 7 + seed);
    }
  });
}
bool same(const block::BlockBuffer& a, const block::BlockBuffer& b) {
  return a.with_mapped([&](mm::PageBytes x) {
    return b.with_mapped([&](mm::PageBytes y) {
      for (size_t i = 0; i < x.size && i < y.size; ++i) {
        if (x[i] != y[i]) return false;
      }
      return true;
    });
  });
}

// One request through the disk, waited for; the buffer comes back to `buf` either way.
Result<void> io(block::Op op, uint64_t sector, uint32_t sectors, block::BlockBuffer& buf) {
  block::Disk* d = TRY(virtio::block_disk());
  block::Waiter w;
  TRY(d->submit(op, sector, sectors, buf, 0, w));
  auto r = virtio::wait(w);
  buf = w.take_buffer();
  return r;
}
}  // namespace

KTEST(virtio_blk, write_then_read_back_including_the_last_sector) {
  auto disk = virtio::open_block();
  if (disk.is_error() && disk.error() == Error::kNotFound) KSKIP("no virtio-blk disk attached");
  KASSERT(disk.is_ok());
  const uint64_t sectors = disk.value()->sectors;
  KASSERT(sectors >= 16 && disk.value()->logical_block == 512);
  auto out = block::BlockBuffer::alloc(1, kOwnerTest);
  auto in = block::BlockBuffer::alloc(1, kOwnerTest);
  KASSERT(out.is_ok() && in.is_ok());
  const virtio::BlockCounters before = virtio::block_counters();
  for (uint64_t first : {uint64_t{0}, uint64_t{9}, sectors - 8}) {
    fill(out.value(), first, 0x5a);
    fill(in.value(), first, 0x00);  // different from what the disk will return
    KASSERT(io(block::Op::kWrite, first, 8, out.value()).is_ok());
    KASSERT(io(block::Op::kRead, first, 8, in.value()).is_ok());
    KEXPECT(same(out.value(), in.value()));
  }
  const virtio::BlockCounters after = virtio::block_counters();
  KEXPECT_EQ(after.submitted - before.submitted, 6u);
  KEXPECT_EQ(after.completed - before.completed, 6u);
  KEXPECT_EQ(after.failed, before.failed);
  // QEMU's virtio-blk has MSI-X: every completion here came by interrupt, none was missed.
  KEXPECT(disk.value()->interrupts);
  KEXPECT(after.interrupts - before.interrupts >= 6);
  KEXPECT(virtio::block_disk().value()->idle());
}

KTEST(virtio_blk, requests_in_flight_together_all_complete) {
  auto disk = virtio::open_block();
  if (disk.is_error() && disk.error() == Error::kNotFound) KSKIP("no virtio-blk disk attached");
  KASSERT(disk.is_ok());
  block::Disk* d = virtio::block_disk().value();
  constexpr unsigned kN = 16;
  KASSERT(disk.value()->depth >= kN);
  block::Waiter w[kN];
  block::BlockBuffer bufs[kN];
  for (unsigned i = 0; i < kN; ++i) {
    auto b = block::BlockBuffer::alloc(1, kOwnerTest);
    KASSERT(b.is_ok());
    bufs[i] = std::move(b.value());
    fill(bufs[i], 100 + 8 * i, 0x11);
  }
  for (unsigned i = 0; i < kN; ++i) {
    KEXPECT(d->submit(block::Op::kWrite, 100 + 8 * i, 8, bufs[i], 0, w[i]).is_ok());
  }
  for (unsigned i = 0; i < kN; ++i) {
    KEXPECT(virtio::wait(w[i]).is_ok());
    bufs[i] = w[i].take_buffer();
  }
  for (unsigned i = 0; i < kN; ++i) {
    auto back = block::BlockBuffer::alloc(1, kOwnerTest);
    KASSERT(back.is_ok());
    KASSERT(io(block::Op::kRead, 100 + 8 * i, 8, back.value()).is_ok());
    KEXPECT(same(bufs[i], back.value()));
  }
  KEXPECT(d->idle());
}

KTEST(virtio_blk, device_errors_end_requests_with_no_reference_or_frame_left) {
  auto disk = virtio::open_block();
  if (disk.is_error() && disk.error() == Error::kNotFound) KSKIP("no virtio-blk disk attached");
  KASSERT(disk.is_ok());
  block::Disk* d = virtio::block_disk().value();
  constexpr unsigned kN = 4, kFailed = 3;
  block::Waiter w[kN];
  block::BlockBuffer bufs[kN];
  for (unsigned i = 0; i < kN; ++i) {
    auto b = block::BlockBuffer::alloc(1, kOwnerTest);
    KASSERT(b.is_ok());
    bufs[i] = std::move(b.value());
  }
  const virtio::BlockCounters before = virtio::block_counters();
  virtio::inject_device_errors(kFailed);
  {
    block::Plug batch(*d);  // the four reach the device together, at the Plug's end
    for (unsigned i = 0; i < kN; ++i) {
      KEXPECT(d->submit(block::Op::kRead, 8 * i, 8, bufs[i], 0, w[i]).is_ok());
    }
  }
  for (unsigned i = 0; i < kN; ++i) {
    const Result<void> r = virtio::wait(w[i]);
    bufs[i] = w[i].take_buffer();
    KEXPECT(bufs[i].owns());  // the buffer comes back whatever the outcome
    if (i < kFailed) {
      KEXPECT(r.is_error());
    } else {
      KEXPECT(r.is_ok());
    }
  }
  const virtio::BlockCounters after = virtio::block_counters();
  KEXPECT_EQ(after.submitted - before.submitted, kN);
  KEXPECT_EQ(after.failed - before.failed, kFailed);
  KEXPECT_EQ(after.completed - before.completed, kN - kFailed);
  KEXPECT_EQ(after.resets, before.resets);  // an error answer is an answer: no reset
  KEXPECT(d->idle());                       // every tag free, every refcount 0, no buffer held
}

KTEST(virtio_blk, bad_requests_are_refused_before_the_device) {
  auto disk = virtio::open_block();
  if (disk.is_error() && disk.error() == Error::kNotFound) KSKIP("no virtio-blk disk attached");
  KASSERT(disk.is_ok());
  const uint64_t sectors = disk.value()->sectors;
  auto buf = block::BlockBuffer::alloc(1, kOwnerTest);
  KASSERT(buf.is_ok());
  const virtio::BlockCounters before = virtio::block_counters();
  KEXPECT(io(block::Op::kRead, 0, 0, buf.value()).error() == Error::kInvalidArgument);
  KEXPECT(io(block::Op::kRead, sectors, 1, buf.value()).error() == Error::kOverflow);
  KEXPECT(io(block::Op::kRead, sectors - 1, 2, buf.value()).error() == Error::kOverflow);
  KEXPECT(io(block::Op::kRead, ~0ull - 1, 4, buf.value()).error() == Error::kOverflow);
  KEXPECT(io(block::Op::kRead, 0, 9, buf.value()).error() == Error::kInvalidArgument);  // > buffer
  KEXPECT(buf.value().owns());  // refused requests hand the buffer back
  KEXPECT_EQ(virtio::block_counters().submitted, before.submitted);
}

// Across boots (driven by the e2e layer, hidden from ktest=all): the first 64 sectors and the
// last 8 written with seed 0xa5 in one boot, read back and compared in the next.
namespace {
constexpr uint8_t kPersistSeed = 0xa5;
template <typename Step>
void for_each_persisted_block(uint64_t sectors, Step&& step) {
  for (uint64_t first = 0; first < 64; first += 8) step(first);
  step(sectors - 8);
}
}  // namespace

KTEST(manual_disk_write, pattern) {
  auto disk = virtio::open_block();
  KASSERT(disk.is_ok());
  auto out = block::BlockBuffer::alloc(1, kOwnerTest);
  KASSERT(out.is_ok());
  for_each_persisted_block(disk.value()->sectors, [&](uint64_t first) {
    fill(out.value(), first, kPersistSeed);
    KEXPECT(io(block::Op::kWrite, first, 8, out.value()).is_ok());
  });
}

KTEST(manual_disk_verify, pattern) {
  auto disk = virtio::open_block();
  KASSERT(disk.is_ok());
  auto want = block::BlockBuffer::alloc(1, kOwnerTest);
  auto got = block::BlockBuffer::alloc(1, kOwnerTest);
  KASSERT(want.is_ok() && got.is_ok());
  for_each_persisted_block(disk.value()->sectors, [&](uint64_t first) {
    fill(want.value(), first, kPersistSeed);
    fill(got.value(), first, 0);
    KEXPECT(io(block::Op::kRead, first, 8, got.value()).is_ok());
    if (!same(want.value(), got.value())) KFAIL("sectors %lu..%lu differ", first, first + 7);
  });
}
