// An AP's stacks: its kernel stack and its three IST stacks (#DF, NMI, #MC), 16 KiB each, mapped
// at run time into the kernel half, each above an unmapped guard page, so an overflow faults.
// Only CPUs that exist cost memory (the boot CPU's stacks are in the kernel image).
//
// Layout: AP `cpu` owns the kSlotBytes window at kApStackBase + cpu * kSlotBytes (root slot 387,
// used by nothing else): [guard][kernel][guard][#DF][guard][NMI][guard][#MC], the rest unmapped.
// Invariants: the region belongs to this file (the last slot unmapped takes its page-table nodes
// with it); the boot CPU maps a slot once, before the AP starts, and it is never unmapped (APs
// never go offline) unless that AP never started; its frames are kind kLarge, owner kOwnerKernel.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::arch {

inline constexpr uint64_t kApStackBase = 0xffffc18000000000ull;
inline constexpr uint64_t kApStackBytes = 16384;
inline constexpr uint64_t kApStackSlotBytes = 128 * 1024;

struct ApStacks {
  uint64_t kernel_top;
  uint64_t ist_tops[3];
};

// Maps AP `cpu`'s stacks (1 <= cpu < kMaxCpus). kOutOfMemory: no frames or page-table nodes (what
// was taken is given back); kAlreadyExists: mapped before.
[[nodiscard]] Result<ApStacks> map_ap_stacks(unsigned cpu);
// Unmaps AP `cpu`'s stacks and frees their frames (a CPU that never started: nothing runs there).
void unmap_ap_stacks(unsigned cpu);
// Whether addr lies on any AP's stack (the backtrace walker's plausibility check).
[[nodiscard]] bool address_on_ap_stack(uint64_t addr);

}  // namespace glass::arch
