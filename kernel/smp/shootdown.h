// TLB shootdown: mm's TlbBatch (mm/virt/tlb.h) flushes the calling CPU, then calls this hook,
// which makes every other online CPU flush the same pages (or everything) and returns only when
// all of them have: so the batch's deferred page-table nodes, and the frames the caller frees
// after its cursor is gone, are reused only once no CPU can still translate through them.
//
// Protocol (docs/smp.md): each CPU owns one request slot (the pages, `all`, a countdown of CPUs
// still to flush); the initiator fills its slot, sets its bit in every target's pending mask, sends
// the shootdown IPI and waits for the countdown to reach zero. A target pays every request whose
// bit it finds (exchange of its mask to 0), then counts down; the last one sends the initiator a
// wake IPI when it waits halted (it does when interrupts were on). Waiting is deadlock-free with
// interrupts off anywhere: the initiator pays requests addressed to it while it waits, and every
// spin loop in the kernel (platform::cpu_relax, so every lock's) pays them too, so a CPU spinning
// on a lock the initiator holds still answers. The wait is bounded (kAckTimeoutUs): a CPU that
// never answers is a panic naming it, never a silent hang. No lock, no allocation.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace glass::smp {

inline constexpr uint64_t kAckTimeoutUs = 2'000'000;

// Installs the IPI handler and mm's shootdown hook. Boot CPU, before the APs start.
void shootdown_init();
// Makes the online CPUs in `targets` (bit i = CPU i; this CPU's bit is ignored) invalidate
// `pages` (or everything, when `all` or count > TlbBatch::kThreshold) and returns once all have.
// mm's hook calls it with every online CPU; the benchmark with chosen ones.
void shootdown(uint64_t targets, const uint64_t* pages, size_t count, bool all);
// Pays the requests pending for this CPU, if any: the IPI handler and cpu_relax call it.
void shootdown_poll();

struct ShootdownStats {
  uint64_t initiated;  // shootdowns this kernel started (all CPUs)
  uint64_t ipis;       // IPIs sent for them
  uint64_t paid;       // requests paid by a target
};
[[nodiscard]] ShootdownStats shootdown_stats();

}  // namespace glass::smp
