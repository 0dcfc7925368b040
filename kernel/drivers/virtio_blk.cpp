// virtio-blk: probe, queue set-up, and the block::Driver; see virtio_blk.h for the invariants.
#include "kernel/drivers/virtio_blk.h"

#include "block/request.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/drivers/lapic.h"
#include "kernel/lib/platform.h"
#include "kernel/lib/spinlock.h"
#include "kernel/lib/thread_annotations.h"
#include "mm/phys/platform.h"
#include "mm/phys/unique_frame.h"
#include "virtio/split_queue.h"

namespace glass::drivers::virtio {
namespace {
// virtio-blk feature bits and device configuration offsets (virtio 1.x, 5.2).
constexpr uint64_t kFeatureReadOnly = 1ull << 5, kFeatureBlockSize = 1ull << 6;
constexpr uint32_t kConfigCapacity = 0, kConfigBlockSize = 20;
constexpr uint8_t kStatusOk = 0;
constexpr uint16_t kQueueSize = 128;  // the rings fit one frame (QueueLayout{128}.bytes() < 4096)
constexpr uint32_t kSlots = block::TagSet::kMaxDepth;  // a header and a status byte per tag
constexpr mm::OwnerId kOwnerDisk = 0x20;  // frames the driver keeps (below the dynamic ids)
constexpr uint64_t kTimeoutNs = 2'000'000'000;

// The header every request starts with (virtio 1.x 5.2.6), device-readable.
struct RequestHeader {
  uint32_t type;  // 0 read (VIRTIO_BLK_T_IN), 1 write (_OUT)
  uint32_t reserved;
  uint64_t sector;  // in 512-byte units whatever the block size
};
static_assert(sizeof(RequestHeader) == 16);

struct SlotArea {
  RequestHeader header[kSlots];
  uint8_t status[kSlots];
};
static_assert(sizeof(SlotArea) <= 4096);

uint8_t g_msi_vector = 0;  // allocated once per boot
BlockCounters g_counters;

void on_disk_interrupt() {  // wakes the waiter's hlt; the waiter reads the used ring
  __atomic_add_fetch(&g_counters.interrupts, 1, __ATOMIC_RELAXED);
}

class VirtioBlk final : public block::Driver {
 public:
  Result<void> open(const pci::Device& dev);
  void queue_rq(block::RequestRef rq, bool last) override;
  void abort(uint32_t tag) override;
  void commit() override;
  void inject_errors(uint32_t n) {
    SpinGuard guard(lock_);
    inject_errors_ = n;
  }
  // Ends the requests the device has finished; how many.
  unsigned reap();

  BlockInfo info;
  block::Disk disk;
  bool usable = false;

 private:
  Result<void> setup_queue();
  bool route_interrupt();
  // Stops the device for good and gives back every reference it held (their requests end when
  // their claimants, a timeout or the disk's removal, end them).
  void reset_device();
  SlotArea& slots() { return *static_cast<SlotArea*>(mm::platform::phys_to_virt(slots_.phys())); }

  PciTransport transport_;
  ::glass::virtio::SplitQueue queue_;
  mm::DeviceQueueFrame rings_;
  mm::DeviceQueueFrame slots_;
  // Under lock_. Tells the device about new chains unless it said not to.
  void notify_locked() TA_REQ(lock_);

  volatile uint16_t* notify_ = nullptr;
  SpinLock lock_;
  bool untold_ TA_GUARDED(lock_) = false;
  uint32_t inject_errors_ TA_GUARDED(lock_) =
      0;  // next requests sent past the end (tests)  // chains published in a batch, device not yet
          // told
  block::RequestRef held_[kSlots];
};

alignas(VirtioBlk) unsigned char g_storage[sizeof(VirtioBlk)];
VirtioBlk* g_blk = nullptr;
bool g_opened = false;
Error g_open_error = Error::kNotFound;

Result<void> VirtioBlk::open(const pci::Device& dev) {
  transport_ = TRY(PciTransport::probe(dev));
  if (transport_.device_config_length() < kConfigBlockSize + 4) {
    transport_.fail();
    return Error::kMalformed;
  }
  info.addr = dev.addr;
  info.features = TRY(transport_.negotiate(kFeatureReadOnly | kFeatureBlockSize));
  info.sectors = transport_.device_config64(kConfigCapacity);
  info.read_only = (info.features & kFeatureReadOnly) != 0;
  if (info.features & kFeatureBlockSize) {
    info.logical_block = transport_.device_config32(kConfigBlockSize);
  }
  info.queues = transport_.num_queues();
  const uint32_t per_block = info.logical_block / 512;
  if (info.queues == 0 || info.logical_block < 512 || info.logical_block > 4096 ||
      (info.logical_block & (info.logical_block - 1)) != 0 || info.sectors < per_block) {
    transport_.fail();  // no queue, or a geometry nothing sane can use
    return Error::kMalformed;
  }
  if (auto r = setup_queue(); r.is_error()) {
    transport_.fail();
    return r.error();
  }
  const uint32_t depth = info.queue_size / 3 < kSlots ? info.queue_size / 3 : kSlots;
  info.depth = depth;
  if (auto r = disk.init(block::DiskConfig()
                             .queue_depth(depth)
                             .queues(1)
                             .logical_block_size(info.logical_block)
                             .capacity_sectors(info.sectors / per_block)
                             .read_only(info.read_only)
                             .timeout_ns(kTimeoutNs),
                         *this);
      r.is_error()) {
    transport_.reset();
    return r.error();
  }
  usable = true;
  return {};
}

// MSI-X entry 0 -> a vector of ours -> queue 0. false: polled (no MSI-X, no vector left, or the
// device refused the vector: it reads back NO_VECTOR).
bool VirtioBlk::route_interrupt() {
  volatile uint8_t* c = transport_.common_cfg();
  constexpr uint16_t kNoVector = 0xffff;
  PciTransport::write16(c, common::kConfigMsixVector, kNoVector);  // no config interrupts
  if (g_msi_vector == 0) {
    auto v = arch::allocate_msi_vector(on_disk_interrupt);
    if (!v.is_ok()) return false;
    g_msi_vector = v.value();
  }
  if (!pci::msix_route(info.addr, 0, g_msi_vector, lapic_id()).is_ok()) return false;
  PciTransport::write16(c, common::kQueueMsixVector, 0);
  return PciTransport::read16(c, common::kQueueMsixVector) == 0;
}

// Queue 0 set up per 4.1.5.1.3: size, the three addresses, its vector, enable, then DRIVER_OK.
Result<void> VirtioBlk::setup_queue() {
  volatile uint8_t* c = transport_.common_cfg();
  PciTransport::write16(c, common::kQueueSelect, 0);
  const uint16_t max = PciTransport::read16(c, common::kQueueSize);
  if (max < 3) return Error::kUnsupported;  // not even one request of three descriptors
  uint16_t size = kQueueSize;
  while (size > max) size = static_cast<uint16_t>(size / 2);  // sizes are powers of two
  rings_ = TRY(mm::DeviceQueueFrame::alloc(kOwnerDisk));
  slots_ = TRY(mm::DeviceQueueFrame::alloc(kOwnerDisk));
  TRY(queue_.init(size, mm::platform::phys_to_virt(rings_.phys()), rings_.phys()));
  PciTransport::write16(c, common::kQueueSize, size);
  PciTransport::write64(c, common::kQueueDesc, queue_.desc_phys());
  PciTransport::write64(c, common::kQueueDriver, queue_.avail_phys());
  PciTransport::write64(c, common::kQueueDevice, queue_.used_phys());
  info.interrupts = route_interrupt();
  if (!info.interrupts) PciTransport::write16(c, common::kQueueMsixVector, 0xffff);
  PciTransport::write16(c, common::kQueueEnable, 1);
  notify_ = transport_.notify_address(PciTransport::read16(c, common::kQueueNotifyOff));
  info.queue_size = size;
  transport_.set_driver_ok();
  if (transport_.status() & kFailed) return Error::kUnsupported;
  return {};
}

void VirtioBlk::notify_locked() {
  untold_ = false;
  if (queue_.notify_needed()) *notify_ = 0;  // the queue's index
}

void VirtioBlk::commit() {
  SpinGuard guard(lock_);
  if (untold_ && usable) notify_locked();
}

void VirtioBlk::queue_rq(block::RequestRef rq, bool last) {
  const uint32_t tag = rq.tag();
  Error refused = Error::kNotFound;
  {
    SpinGuard guard(lock_);
    if (usable && tag < kSlots) {
      const uint32_t per_block = info.logical_block / 512;
      SlotArea& area = slots();
      uint64_t sector = rq.sector() * per_block;
      if (inject_errors_ != 0) {  // the device itself refuses a range past its end
        --inject_errors_;
        sector = info.sectors;
      }
      area.header[tag] = RequestHeader{rq.op() == block::Op::kWrite ? 1u : 0u, 0, sector};
      area.status[tag] = 0xff;  // the device overwrites it; 0xff means it never did
      const uint64_t base = slots_.phys();
      const ::glass::virtio::Segment segs[] = {
          {base + tag * sizeof(RequestHeader), sizeof(RequestHeader), false},
          {rq.buffer().phys() + rq.offset(), rq.sectors() * info.logical_block,
           rq.op() == block::Op::kRead},
          {base + __builtin_offsetof(SlotArea, status) + tag, 1, true}};
      auto r = queue_.submit(segs, 3, tag);
      if (r.is_ok()) {
        held_[tag] = std::move(rq);
        ++g_counters.submitted;
        // In a batch (block/plug.h) the device is told once, at commit: one trap, not one per
        // request.
        if (last) {
          notify_locked();
        } else {
          untold_ = true;
        }
        return;
      }
      refused = r.error();
    }
  }
  (void)block::complete(std::move(rq), false, refused);  // outside the lock: it may wait
}

unsigned VirtioBlk::reap() {
  unsigned n = 0;
  for (;;) {
    block::RequestRef ref;
    bool ok = false, broken = false;
    {
      SpinGuard guard(lock_);
      if (!usable) return n;
      ::glass::virtio::Completion done;
      auto popped = queue_.pop(done);
      if (popped.is_error()) {
        broken = true;
      } else if (!popped.value()) {
        return n;
      } else {
        const auto tag = static_cast<uint32_t>(done.token);
        ok = __atomic_load_n(&slots().status[tag], __ATOMIC_ACQUIRE) == kStatusOk;
        ref = std::move(held_[tag]);
      }
    }
    if (broken) {  // a device that answers nonsense is not trusted again
      reset_device();
      return n;
    }
    if (ok) {
      ++g_counters.completed;
    } else {
      ++g_counters.failed;
    }
    if (ref) (void)block::complete(std::move(ref), ok, Error::kBusy);
    ++n;
  }
}

void VirtioBlk::reset_device() {
  block::RequestRef dropped[kSlots];
  {
    SpinGuard guard(lock_);
    if (usable) {
      transport_.reset();  // from here on the device touches none of our memory
      usable = false;
      ++g_counters.resets;
    }
    for (uint32_t t = 0; t < kSlots; ++t) dropped[t] = std::move(held_[t]);
  }
  // Dropped outside the lock: the claimants (a timeout, the disk's removal) end them.
}

void VirtioBlk::abort(uint32_t tag) {
  // virtio-blk cannot take back one request: the device is reset and gives back all of them.
  (void)tag;
  reset_device();
}

Result<VirtioBlk*> open_device() {
  const pci::Device dev = TRY(pci::find(kVendor, kModernBlockDevice));
  auto* blk = new (g_storage) VirtioBlk();
  if (auto r = blk->open(dev); r.is_error()) {
    blk->~VirtioBlk();  // gives the ring frames back
    return r.error();
  }
  return blk;
}
}  // namespace

Result<const BlockInfo*> open_block() {
  if (!g_opened) {
    g_opened = true;
    auto d = open_device();
    if (d.is_ok()) {
      g_blk = d.value();
    } else {
      g_open_error = d.error();
    }
  }
  if (g_blk == nullptr) return g_open_error;
  if (!g_blk->usable) return Error::kBusy;
  return &g_blk->info;
}

Result<block::Disk*> block_disk() {
  TRY(open_block());
  return &g_blk->disk;
}

Result<void> wait(block::Waiter& w) {
  if (g_blk == nullptr) return w.wait([] {});  // nothing can be in flight here
  return w.wait([] {
    // Checked with interrupts off, then sti;hlt: a completion interrupt between the check and
    // the halt still wakes it, and the timer bounds every sleep so deadlines are seen.
    g_blk->commit();  // a waiter inside a batch: the device must know before anyone sleeps
    const uintptr_t irq = platform::irq_save();
    const unsigned reaped = g_blk->reap();
    platform::irq_restore(irq);
    if (reaped != 0) return;
    if (g_blk->disk.expire(platform::now_ns()) != 0) return;
    const uintptr_t again = platform::irq_save();
    if (g_blk->info.interrupts && g_blk->usable && again != 0) {
      cpu::sti_hlt();
    } else {
      platform::irq_restore(again);
      cpu::pause();
    }
  });
}

void inject_device_errors(uint32_t n) {
  if (g_blk != nullptr) g_blk->inject_errors(n);
}

BlockCounters block_counters() {
  return g_counters;
}

}  // namespace glass::drivers::virtio
