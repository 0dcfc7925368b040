// check_tables_against_memory: see memory_crosscheck.h.
#include "inspector/trace/memory_crosscheck.h"

#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "inspector/model/event_text.h"
#include "protocol/digest.h"

namespace glass::inspector {

namespace {

constexpr uint64_t kPresent = 1, kHuge = 1ull << 7, kAddr = 0x000ffffffffff000ull;

uint64_t compared_bits(uint64_t e) {
  return e & ~telemetry::kEntryHardwareBits;
}

// A present entry that points at a next-level table (not a leaf), as the MMU reads it.
bool points_to_table(uint64_t e, unsigned level) {
  return (e & kPresent) && level > 1 && !(level <= 3 && (e & kHuge));
}

class Checker {
 public:
  Checker(const StateModel& m, const ReadPage& read) : m_(m), read_(read) {}

  const PageQuads* memory(uint64_t pfn) {
    auto it = pages_.find(pfn);
    if (it != pages_.end()) return &it->second;
    PageQuads q{};
    if (!read_(pfn, q, r_.error)) return nullptr;
    return &pages_.emplace(pfn, q).first->second;
  }
  void mismatch(std::string what) {
    ++r_.mismatches;
    if (r_.findings.size() < TableCheck::kMaxFindings) r_.findings.push_back(std::move(what));
  }
  // All 512 entries of one model node against memory; false if memory could not be read.
  bool compare(const PtNode& n) {
    if (!compared_.insert(n.pfn).second) return true;
    const PageQuads* mem = memory(n.pfn);
    if (!mem) return false;
    ++r_.nodes;
    for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i) {
      ++r_.entries;
      if (compared_bits(n.entries[i]) != compared_bits((*mem)[i]))
        mismatch("node " + hex(n.pfn) + " (asid " + std::to_string(n.asid) + ", level " +
                 std::to_string(n.level) + ") entry " + std::to_string(i) + ": model " +
                 hex(n.entries[i]) + ", memory " + hex((*mem)[i]));
    }
    return true;
  }

  // Every node reachable from every root, following the model's own entries.
  bool model_nodes() {
    for (const auto& [asid, as] : m_.address_spaces()) {
      ++r_.spaces;
      std::vector<uint64_t> todo{as.root};
      while (!todo.empty()) {
        const uint64_t pfn = todo.back();
        todo.pop_back();
        if (compared_.count(pfn)) continue;
        const PtNode* n = m_.node(pfn);
        if (!n) {
          mismatch("asid " + std::to_string(asid) + " links to node " + hex(pfn) +
                   ", which the model does not hold");
          continue;
        }
        if (!compare(*n)) return false;
        for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i)
          if (points_to_table(n->entries[i], n->level))
            todo.push_back((n->entries[i] & kAddr) >> 12);
      }
    }
    return true;
  }

  // The tree the CPU uses, followed through memory's entries only.
  bool cr3_tree(const CpuRoot& cpu) {
    const uint64_t root = (cpu.cr3 & kAddr) >> 12;
    auto as = m_.address_spaces().find(cpu.asid);
    if (as == m_.address_spaces().end())
      mismatch("the CPU is on asid " + std::to_string(cpu.asid) +
               ", which the model does not hold");
    else if (as->second.root != root)
      mismatch("CR3 is " + hex(cpu.cr3) + " but the model's root of asid " +
               std::to_string(cpu.asid) + " is frame " + hex(as->second.root));
    std::set<uint64_t> reached;
    std::vector<std::pair<uint64_t, unsigned>> todo{{root, telemetry::kMaxLevel}};
    while (!todo.empty()) {
      const auto [pfn, level] = todo.back();
      todo.pop_back();
      if (!reached.insert(pfn).second) continue;
      ++r_.cr3_nodes;
      const PtNode* n = m_.node(pfn);
      if (!n)
        mismatch("CR3's tree reaches a level-" + std::to_string(level) + " table at frame " +
                 hex(pfn) + " that the model does not hold");
      else if (n->level != level)
        mismatch("CR3's tree reaches frame " + hex(pfn) + " as level " + std::to_string(level) +
                 "; the model has it at level " + std::to_string(n->level));
      if (n && !compare(*n)) return false;
      const PageQuads* mem = memory(pfn);
      if (!mem) return false;
      for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i) {
        if (!points_to_table((*mem)[i], level)) continue;
        const uint64_t next = ((*mem)[i] & kAddr) >> 12;
        if (next >= m_.frames().size()) {
          mismatch("table " + hex(pfn) + " entry " + std::to_string(i) + " points outside RAM (" +
                   hex((*mem)[i]) + ")");
          continue;
        }
        todo.push_back({next, level - 1});
      }
    }
    return true;
  }

  TableCheck take() { return std::move(r_); }

 private:
  const StateModel& m_;
  const ReadPage& read_;
  TableCheck r_;
  std::map<uint64_t, PageQuads> pages_;
  std::set<uint64_t> compared_;
};

}  // namespace

TableCheck check_tables_against_memory(const StateModel& m, const ReadPage& read,
                                       const std::optional<CpuRoot>& cpu) {
  Checker c(m, read);
  if (c.model_nodes() && cpu) (void)c.cr3_tree(*cpu);
  return c.take();
}

}  // namespace glass::inspector
