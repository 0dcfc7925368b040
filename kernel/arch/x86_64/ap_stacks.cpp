// An AP's stacks, mapped with mm's cursor; see ap_stacks.h for the layout and invariants.
#include "kernel/arch/x86_64/ap_stacks.h"

#include "kernel/arch/x86_64/percpu.h"
#include "mm/phys/frames.h"
#include "mm/virt/clear_range.h"
#include "mm/virt/kernel_space.h"
#include "mm/virt/pt_cursor.h"

namespace glass::arch {
namespace {

constexpr uint64_t kGuard = 4096;
constexpr unsigned kStacks = 4;  // kernel, #DF, NMI, #MC
constexpr uint64_t kPagesPerStack = kApStackBytes / 4096;

uint64_t slot(unsigned cpu) {
  return kApStackBase + cpu * kApStackSlotBytes;
}
// Bottom of stack i (0 = kernel) in a slot: each follows its own guard page.
uint64_t stack_bottom(unsigned cpu, unsigned i) {
  return slot(cpu) + kGuard + i * (kGuard + kApStackBytes);
}
static_assert(kGuard + kStacks * (kGuard + kApStackBytes) <= kApStackSlotBytes);

uint64_t g_mapped = 0;  // bit i: slot i has (some of) its stacks mapped; boot CPU only
static_assert(kMaxCpus <= 64);

// Unmaps slot cpu and frees its frames; the last slot to go takes the whole region, so the
// page-table nodes go back too.
void give_back(unsigned cpu) {
  g_mapped &= ~(uint64_t{1} << cpu);
  const uint64_t start = g_mapped == 0 ? kApStackBase : slot(cpu);
  const uint64_t end = g_mapped == 0 ? kApStackBase + (1ull << 30) : slot(cpu) + kApStackSlotBytes;
  (void)mm::clear_range(*mm::kernel_page_table(), start, end, [](mm::PhysAddr phys, unsigned) {
    (void)mm::free_frames(phys, 0, mm::FrameKind::kLarge);
  });
}

// Maps one stack's pages; on an error the frames already mapped stay mapped (give_back takes
// them) once this returns and its cursor is gone.
Result<void> map_stack(uint64_t bottom) {
  mm::CursorMut c =
      TRY(mm::CursorMut::create(*mm::kernel_page_table(), bottom, bottom + kApStackBytes));
  for (uint64_t p = 0; p < kPagesPerStack; ++p) {
    const mm::PhysAddr frame = TRY(mm::alloc_frames(0, mm::FrameKind::kLarge, mm::kOwnerKernel));
    if (auto r = c.map(frame, 1, mm::PageProp{true, false, false, false, false}); r.is_error()) {
      (void)mm::free_frames(frame, 0, mm::FrameKind::kLarge);
      return r.error();
    }
  }
  return {};
}

}  // namespace

Result<ApStacks> map_ap_stacks(unsigned cpu) {
  if (cpu == 0 || cpu >= kMaxCpus) return Error::kInvalidArgument;
  if ((g_mapped >> cpu & 1) != 0) return Error::kAlreadyExists;
  g_mapped |= uint64_t{1} << cpu;
  for (unsigned i = 0; i < kStacks; ++i) {
    if (auto r = map_stack(stack_bottom(cpu, i)); r.is_error()) {
      give_back(cpu);
      return r.error();
    }
  }
  ApStacks s;
  s.kernel_top = stack_bottom(cpu, 0) + kApStackBytes;
  for (unsigned i = 0; i < 3; ++i) s.ist_tops[i] = stack_bottom(cpu, i + 1) + kApStackBytes;
  return s;
}

void unmap_ap_stacks(unsigned cpu) {
  if (cpu != 0 && cpu < kMaxCpus && (g_mapped >> cpu & 1) != 0) give_back(cpu);
}

bool address_on_ap_stack(uint64_t addr) {
  if (addr < kApStackBase || addr >= kApStackBase + kMaxCpus * kApStackSlotBytes) return false;
  const uint64_t off = (addr - kApStackBase) % kApStackSlotBytes;
  if (off < kGuard) return false;
  const uint64_t in = (off - kGuard) % (kGuard + kApStackBytes);
  return off < kGuard + kStacks * (kGuard + kApStackBytes) && in < kApStackBytes;
}

}  // namespace glass::arch
