// mm::init and the front-door functions; see mm.h for the invariants.
//
// Who owns what: g_table and g_buddy are written only by init() (single-threaded, before any
// other mm call) and afterwards only through the buddy's lock and the descriptors' atomic kinds.
#include "mm/mm.h"

#include "kernel/lib/panic.h"
#include "mm/phys/slab.h"
#include "mm/virt/kernel_space.h"
#include "mm/virt/layout.h"

namespace glass::mm {
namespace {
using detail::g_buddy;
using detail::g_table;

constinit bool g_initialised = false;
constinit uint64_t g_usable_frames = 0;
constinit uint64_t g_boot_taken_frames = 0;

constexpr uint64_t round_down(uint64_t v) {
  return v & ~(kFrameSize - 1);
}
// Callers have checked that v + kFrameSize - 1 cannot overflow (ranges are validated first).
constexpr uint64_t round_up(uint64_t v) {
  return round_down(v + kFrameSize - 1);
}

bool range_ok(PhysAddr base, uint64_t length) {
  // Leave room for rounding up to a frame without wrapping; each subtraction is checked first.
  constexpr uint64_t kTop = ~uint64_t{0} - kFrameSize;
  return base <= kTop && length <= kTop - base;
}

bool overlaps_reserved(const BootMemory& boot, uint64_t begin, uint64_t end, uint64_t* skip_to) {
  for (size_t i = 0; i < boot.reserved_count; ++i) {
    const ReservedRange& r = boot.reserved[i];
    if (r.length == 0) continue;
    const uint64_t rb = round_down(r.base);
    const uint64_t re = round_up(r.base + r.length);
    if (rb < end && begin < re) {
      *skip_to = re;
      return true;
    }
  }
  return false;
}

// First frame-aligned place of `bytes` inside an available range, above low memory and clear of
// every reserved range.
Result<PhysAddr> place_table(const BootMemory& boot, uint64_t bytes, uint64_t limit) {
  for (size_t i = 0; i < boot.available_count; ++i) {
    const MemRange& a = boot.available[i];
    uint64_t begin = round_up(a.base);
    uint64_t end = round_down(a.base + a.length);
    if (end > limit) end = limit;
    if (begin < kLowMemoryEnd) begin = kLowMemoryEnd;
    while (begin < end && end - begin >= bytes) {
      uint64_t skip_to = 0;
      if (!overlaps_reserved(boot, begin, begin + bytes, &skip_to)) return begin;
      begin = skip_to;
    }
  }
  return Error::kOutOfMemory;
}

void set_frame(FrameDesc& d, FrameKind kind, OwnerId owner) {
  d.kind = static_cast<uint8_t>(kind);
  d.owner = owner;
}

}  // namespace

Result<void> init(const BootMemory& boot) {
  if (g_initialised) return Error::kAlreadyExists;
  uint64_t limit = 0;
  for (size_t i = 0; i < boot.available_count; ++i) {
    const MemRange& a = boot.available[i];
    if (!range_ok(a.base, a.length)) return Error::kMalformed;
    uint64_t end = round_down(a.base + a.length);
    if (end > glass::layout::kDirectMapMax) end = glass::layout::kDirectMapMax;
    if (end > limit) limit = end;
  }
  for (size_t i = 0; i < boot.reserved_count; ++i) {
    const ReservedRange& r = boot.reserved[i];
    if (!range_ok(r.base, r.length) || !is_boot_kind(r.kind)) return Error::kMalformed;
  }
  if (limit <= kLowMemoryEnd) return Error::kOutOfMemory;

  const Pfn frames = phys_to_pfn(limit);
  const uint64_t table_bytes = round_up(uint64_t{frames} * sizeof(FrameDesc));
  const PhysAddr table_phys = TRY(place_table(boot, table_bytes, limit));
  auto* descs = static_cast<FrameDesc*>(platform::phys_to_virt(table_phys));
  for (Pfn p = 0; p < frames; ++p) {
    descs[p] = FrameDesc{};
    set_frame(descs[p], FrameKind::kReserved, kOwnerFirmware);
    descs[p].free_order = kNoOrder;
    descs[p].alloc_order = kTailOrder;
  }

  // Usable frames first; everything else stays reserved (holes, firmware, beyond the direct map).
  uint64_t usable = 0;
  for (size_t i = 0; i < boot.available_count; ++i) {
    const MemRange& a = boot.available[i];
    uint64_t begin = round_up(a.base);
    uint64_t end = round_down(a.base + a.length);
    if (end > limit) end = limit;
    for (uint64_t p = begin >> kFrameShift; p < (end >> kFrameShift); ++p) {
      if (load_kind(descs[p]) == FrameKind::kFree) continue;  // overlapping ranges count once
      set_frame(descs[p], FrameKind::kFree, kOwnerNone);
      ++usable;
    }
  }
  // Then carve what the kernel keeps out of the usable frames.
  uint64_t taken = 0;
  auto take = [&](uint64_t first, uint64_t last, FrameKind kind, OwnerId owner) {
    for (uint64_t p = first; p < last && p < frames; ++p) {
      if (load_kind(descs[p]) != FrameKind::kFree) continue;
      set_frame(descs[p], kind, owner);
      ++taken;
    }
  };
  take(0, kLowMemoryEnd >> kFrameShift, FrameKind::kReserved, kOwnerLowMemory);
  for (size_t i = 0; i < boot.reserved_count; ++i) {
    const ReservedRange& r = boot.reserved[i];
    if (r.length == 0) continue;
    take(round_down(r.base) >> kFrameShift, round_up(r.base + r.length) >> kFrameShift, r.kind,
         kOwnerBoot);
  }
  take(table_phys >> kFrameShift, (table_phys + table_bytes) >> kFrameShift, FrameKind::kFrameTable,
       kOwnerMm);

  g_table.attach(descs, frames);
  g_buddy.reset(&g_table);
  uint64_t census[kFrameKindCount] = {};
  Pfn run = kNoPfn;
  for (Pfn p = 0; p < frames; ++p) {
    const FrameKind k = load_kind(descs[p]);
    ++census[index(k)];
    if (k == FrameKind::kFree && run == kNoPfn) run = p;
    if (k != FrameKind::kFree && run != kNoPfn) {
      g_buddy.add_free_run(run, p);
      run = kNoPfn;
    }
  }
  if (run != kNoPfn) g_buddy.add_free_run(run, frames);
  g_buddy.set_counts(census);
  g_usable_frames = usable;
  g_boot_taken_frames = taken;
  g_initialised = true;
  return {};
}

bool initialised() {
  return g_initialised;
}

Stats stats() {
  Stats s{};
  s.table_frames = g_table.size();
  s.usable_frames = g_usable_frames;
  s.boot_taken_frames = g_boot_taken_frames;
  g_buddy.kind_counts(s.kind_frames);
  s.free_frames = s.kind_frames[index(FrameKind::kFree)];
  return s;
}

AuditReport audit() {
  AuditReport report;
  if (!g_initialised) {
    report.fail("mm is not initialised");
    return report;
  }
  g_buddy.audit(report);
  if (!report.ok) return report;
  uint64_t counts[kFrameKindCount];
  g_buddy.kind_counts(counts);
  audit_slab_caches(g_table, counts[index(FrameKind::kSlab)], report);
  return report;
}

#if GLASS_HOST
void host_reset() {
  kernel_space_host_reset();
  slab_host_reset();
  g_buddy.reset(nullptr);
  g_table.detach();
  g_usable_frames = 0;
  g_boot_taken_frames = 0;
  g_initialised = false;
}
#endif

}  // namespace glass::mm
