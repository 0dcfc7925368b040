// The model's page tables against guest-physical memory, entry by entry: a view the kernel did
// not produce. Every node of every address space the model holds is read from memory and all 512
// entries compared; then the tree the CPU really uses is walked from CR3 through memory alone, and
// every table it reaches must be a model node of the same level.
//
// Invariants: compares exactly what the digest compares (entries without the Accessed and Dirty
// bits, which the MMU sets without an event); reads each node once; never trusts the model to say
// where the hardware tree goes (the CR3 walk follows memory's entries, not the model's). Reading
// is the caller's (QEMU's monitor live, a map in tests), so the comparison is testable offline.
#pragma once

#include <stdint.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "inspector/model/state_model.h"
#include "inspector/trace/qemu_monitor.h"

namespace glass::inspector {

// read(pfn, quads, error): the page at pfn << 12 as memory holds it.
using ReadPage = std::function<bool(uint64_t pfn, PageQuads& out, std::string& error)>;

struct CpuRoot {
  uint64_t cr3 = 0;   // as the CPU holds it (flags and PCID bits are ignored)
  uint32_t asid = 0;  // the address space the model says the CPU is on
};

struct TableCheck {
  uint64_t spaces = 0;
  uint64_t nodes = 0;      // model nodes compared
  uint64_t entries = 0;    // entries compared (512 per node)
  uint64_t cr3_nodes = 0;  // tables reached from CR3 through memory
  uint64_t mismatches = 0;
  std::vector<std::string> findings;  // one sentence per mismatch (the first kMaxFindings)
  std::string error;                  // a read failed: the check did not complete
  static constexpr size_t kMaxFindings = 50;
  [[nodiscard]] bool ok() const { return error.empty() && mismatches == 0 && nodes > 0; }
};

[[nodiscard]] TableCheck check_tables_against_memory(const StateModel& m, const ReadPage& read,
                                                     const std::optional<CpuRoot>& cpu);

}  // namespace glass::inspector
