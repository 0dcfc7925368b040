// virtio-blk: probe, queue set-up and polled transfers; see virtio_blk.h.
#include "kernel/drivers/virtio_blk.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/interrupt_frame.h"
#include "kernel/drivers/lapic.h"
#include "kernel/drivers/tsc.h"
#include "kernel/lib/platform.h"
#include "mm/phys/platform.h"
#include "mm/phys/unique_frame.h"
#include "virtio/split_queue.h"

namespace glass::drivers::virtio {
namespace {
// virtio-blk feature bits and device configuration offsets (virtio 1.x, 5.2).
constexpr uint64_t kFeatureReadOnly = 1ull << 5, kFeatureBlockSize = 1ull << 6;
constexpr uint32_t kConfigCapacity = 0, kConfigBlockSize = 20;
constexpr uint8_t kStatusOk = 0;
constexpr uint16_t kQueueSize = 64;       // rings and headers fit one frame each
constexpr mm::OwnerId kOwnerDisk = 0x20;  // frames the disk keeps (below the dynamic ids)

// The header every request starts with (virtio 1.x 5.2.6), device-readable.
struct RequestHeader {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

// Per-slot header and status, in a frame the device reads/writes by physical address.
struct SlotArea {
  RequestHeader header[kQueueSize];
  uint8_t status[kQueueSize];
};
static_assert(sizeof(SlotArea) <= 4096);

struct Disk {
  BlockInfo info;
  PciTransport transport;
  ::glass::virtio::SplitQueue queue;
  mm::DeviceQueueFrame rings;
  mm::DeviceQueueFrame slots;
  volatile uint16_t* notify = nullptr;
  bool usable = false;
  bool interrupts = false;  // completions raise MSI-X vector `vector`; else they are polled
  uint8_t vector = 0;
};

Disk* g_disk = nullptr;
bool g_opened = false;
Error g_open_error = Error::kNotFound;
alignas(Disk) unsigned char g_disk_storage[sizeof(Disk)];
BlockCounters g_counters;
uint8_t g_msi_vector = 0;  // allocated once per boot, kept across a failed open

// The used ring is read by the waiter; the interrupt only wakes it (and is counted).
void on_disk_interrupt() {
  __atomic_add_fetch(&g_counters.interrupts, 1, __ATOMIC_RELAXED);
}

// MSI-X entry 0 -> a vector of ours -> queue 0. false: polled (no MSI-X, no vector left, or the
// device refused the vector: it reads back NO_VECTOR).
bool route_queue_interrupt(Disk& d) {
  volatile uint8_t* c = d.transport.common_cfg();
  constexpr uint16_t kNoVector = 0xffff;
  PciTransport::write16(c, common::kConfigMsixVector, kNoVector);  // no config interrupts
  if (g_msi_vector == 0) {
    auto v = arch::allocate_msi_vector(on_disk_interrupt);
    if (!v.is_ok()) return false;
    g_msi_vector = v.value();
  }
  if (!pci::msix_route(d.info.addr, 0, g_msi_vector, lapic_id()).is_ok()) return false;
  PciTransport::write16(c, common::kQueueMsixVector, 0);
  if (PciTransport::read16(c, common::kQueueMsixVector) != 0) return false;
  d.vector = g_msi_vector;
  return true;
}

Result<BlockInfo> negotiate(PciTransport& t, const pci::Device& dev) {
  if (t.device_config_length() < kConfigBlockSize + 4) {
    t.fail();
    return Error::kMalformed;
  }
  BlockInfo info;
  info.addr = dev.addr;
  info.features = TRY(t.negotiate(kFeatureReadOnly | kFeatureBlockSize));
  info.sectors = t.device_config64(kConfigCapacity);
  info.read_only = (info.features & kFeatureReadOnly) != 0;
  if (info.features & kFeatureBlockSize) info.logical_block = t.device_config32(kConfigBlockSize);
  info.queues = t.num_queues();
  if (info.queues == 0 || info.logical_block < 512 ||
      (info.logical_block & (info.logical_block - 1)) != 0) {
    t.fail();  // no queue, or a block size nothing sane can use
    return Error::kMalformed;
  }
  return info;
}

SlotArea& slot_area(Disk& d) {
  return *static_cast<SlotArea*>(mm::platform::phys_to_virt(d.slots.phys()));
}

// Queue 0 set up per 4.1.5.1.3: size, the three addresses, enable, then DRIVER_OK.
Result<void> setup_queue(Disk& d) {
  volatile uint8_t* c = d.transport.common_cfg();
  PciTransport::write16(c, common::kQueueSelect, 0);
  const uint16_t max = PciTransport::read16(c, common::kQueueSize);
  if (max == 0) return Error::kUnsupported;
  uint16_t size = kQueueSize;
  while (size > max) size = static_cast<uint16_t>(size / 2);  // sizes are powers of two
  d.rings = TRY(mm::DeviceQueueFrame::alloc(kOwnerDisk));
  d.slots = TRY(mm::DeviceQueueFrame::alloc(kOwnerDisk));
  TRY(d.queue.init(size, mm::platform::phys_to_virt(d.rings.phys()), d.rings.phys()));
  PciTransport::write16(c, common::kQueueSize, size);
  PciTransport::write64(c, common::kQueueDesc, d.queue.desc_phys());
  PciTransport::write64(c, common::kQueueDriver, d.queue.avail_phys());
  PciTransport::write64(c, common::kQueueDevice, d.queue.used_phys());
  d.interrupts = route_queue_interrupt(d);
  if (!d.interrupts) PciTransport::write16(c, common::kQueueMsixVector, 0xffff);
  PciTransport::write16(c, common::kQueueEnable, 1);
  d.notify = d.transport.notify_address(PciTransport::read16(c, common::kQueueNotifyOff));
  d.info.queue_size = size;
  d.info.interrupts = d.interrupts;
  d.transport.set_driver_ok();
  if (d.transport.status() & kFailed) return Error::kUnsupported;
  return {};
}

Result<Disk*> open_disk() {
  const pci::Device dev = TRY(pci::find(kVendor, kModernBlockDevice));
  Disk* d = new (g_disk_storage) Disk{};
  auto fail = [d](Error e) -> Result<Disk*> {
    d->transport.fail();
    d->~Disk();  // gives the ring frames back
    return e;
  };
  auto t = PciTransport::probe(dev);
  if (!t.is_ok()) {
    d->~Disk();
    return t.error();
  }
  d->transport = t.value();
  auto info = negotiate(d->transport, dev);
  if (!info.is_ok()) return fail(info.error());
  d->info = info.value();
  if (auto r = setup_queue(*d); !r.is_ok()) return fail(r.error());
  d->usable = true;
  return d;
}
}  // namespace

Result<const BlockInfo*> open_block() {
  if (!g_opened) {
    g_opened = true;
    auto d = open_disk();
    if (d.is_ok()) {
      g_disk = d.value();
    } else {
      g_open_error = d.error();
    }
  }
  if (g_disk == nullptr) return g_open_error;
  if (!g_disk->usable) return Error::kBusy;
  return &g_disk->info;
}

Result<void> transfer(Op op, uint64_t sector, uint32_t count, uint64_t phys) {
  TRY(open_block());
  Disk& d = *g_disk;
  if (count == 0 || sector > d.info.sectors || count > d.info.sectors - sector) {
    return Error::kInvalidArgument;
  }
  if (phys % kSectorSize != 0 || count > (1u << 31) / kSectorSize) return Error::kInvalidArgument;
  if (op == Op::kWrite && d.info.read_only) return Error::kInvalidArgument;

  // One request in flight at a time: slot 0's header and status.
  SlotArea& area = slot_area(d);
  area.header[0] = RequestHeader{static_cast<uint32_t>(op), 0, sector};
  area.status[0] = 0xff;  // the device overwrites it; 0xff means it never did
  const uint64_t area_phys = d.slots.phys();
  const ::glass::virtio::Segment segs[] = {
      {area_phys + __builtin_offsetof(SlotArea, header), sizeof(RequestHeader), false},
      {phys, count * kSectorSize, op == Op::kRead},
      {area_phys + __builtin_offsetof(SlotArea, status), 1, true}};
  TRY(d.queue.submit(segs, 3, sector));
  ++g_counters.submitted;
  if (d.queue.notify_needed()) *d.notify = 0;  // the queue's index

  const uint64_t deadline = cpu::rdtsc() + tsc_khz() * kTimeoutMs;
  ::glass::virtio::Completion done;
  for (;;) {
    // Checked with interrupts off, then sti;hlt: a completion interrupt between the check and
    // the halt still wakes it. The LAPIC timer bounds every sleep, so the deadline is seen.
    const uintptr_t irq = platform::irq_save();
    auto popped = d.queue.pop(done);
    if (!popped.is_ok()) {  // a device that answers nonsense is not trusted again
      platform::irq_restore(irq);
      d.transport.reset();
      d.usable = false;
      ++g_counters.failed;
      return Error::kBusy;
    }
    if (popped.value()) {
      platform::irq_restore(irq);
      break;
    }
    if (cpu::rdtsc() > deadline) {
      platform::irq_restore(irq);
      d.transport.reset();  // after a reset the device touches none of our memory
      d.usable = false;
      ++g_counters.timed_out;
      return Error::kBusy;
    }
    if (d.interrupts && irq != 0) {
      cpu::sti_hlt();
    } else {
      platform::irq_restore(irq);
      cpu::pause();
    }
  }
  const uint8_t status = __atomic_load_n(&area.status[0], __ATOMIC_ACQUIRE);
  if (status != kStatusOk) {
    ++g_counters.failed;
    return Error::kBusy;
  }
  ++g_counters.completed;
  return {};
}

BlockCounters block_counters() {
  return g_counters;
}

}  // namespace glass::drivers::virtio
