// The demo=mm workload, portable: what kernel/core/demo_mm.cpp shows slowly in the kernel, the
// host's allocation-failure sweep (tests/host/mm/fail_inject_test.cpp) runs unchanged. Each round
// builds an address space, maps ranges with 4 KiB, 2 MiB and 1 GiB pages, faults in demand-zero
// pages, write-protects and unmaps part of a VMA, allocates frames of every runtime kind and small
// objects, maps one folio at two addresses (refcount 2), switches the page-table root there and
// back, then takes it all down again.
//
// Invariants: a round frees everything it took whether it succeeds or fails (an error Result, never
// a leak): after any demo_round() the frame census by kind and the slab objects in use are what
// they were before it. Between steps the round calls hooks.step() with mm quiescent (no cursor
// alive), so the kernel can wait there, poll telemetry and take snapshots.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"

namespace glass::mm {

struct DemoHooks {
  // Called after each step, mm quiescent; `ms` is how long the demo would like to pause and `done`
  // names the step just finished. Null: no pauses (host tests).
  void (*step)(void* ctx, uint64_t ms, const char* done) = nullptr;
  void* ctx = nullptr;
};

inline constexpr int kDemoRounds = 6;

// Round r (0 .. kDemoRounds - 1; r picks the block orders and addresses). kUnsupported: no kernel
// page table yet; kOutOfMemory and the mm errors otherwise, with everything already given back.
[[nodiscard]] Result<void> demo_round(int r, const DemoHooks& hooks);

// All kDemoRounds rounds, stopping at the first error.
[[nodiscard]] Result<void> demo_workload(const DemoHooks& hooks);

}  // namespace glass::mm
