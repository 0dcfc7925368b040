// split_va / walk_view: see walk_steps.h. The sentences are written for a class: each names the
// address bits used, the table read, and what the entry tells the MMU to do next.
#include "inspector/view/walk_steps.h"

#include "inspector/model/event_text.h"
#include "inspector/view/entry_bits.h"
#include "inspector/view/tree_rows.h"

namespace glass::inspector::view {

namespace {
const char* step_name(uint8_t level) {
  switch (level) {
    case 4:
      return "PML4E";
    case 3:
      return "PDPTE";
    case 2:
      return "PDE";
    default:
      return "PTE";
  }
}
const char* table_name(uint8_t level) {
  switch (level) {
    case 4:
      return "PML4";
    case 3:
      return "PDPT";
    case 2:
      return "PD";
    default:
      return "PT";
  }
}
const char* page_size(uint8_t level) {
  return page_size_text(level);
}
}  // namespace

VaSplit split_va(uint64_t va, uint8_t leaf_level) {
  if (leaf_level < 1 || leaf_level > 3) leaf_level = 1;
  VaSplit s;
  for (int i = 0; i < 4; ++i) s.index[i] = static_cast<uint16_t>((va >> (39 - 9 * i)) & 511);
  s.offset_bits = static_cast<uint8_t>(12 + 9 * (leaf_level - 1));
  s.offset = static_cast<uint32_t>(va & ((1ull << s.offset_bits) - 1));
  s.index_count = static_cast<uint8_t>(5 - leaf_level);
  return s;
}

WalkView walk_view(const StateModel& m, const WalkAnswer& a, std::string source) {
  WalkView v;
  v.asid = a.asid;
  v.va = a.va;
  v.status = a.status;
  v.source = std::move(source);
  const uint8_t leaf_level =
      a.status == telemetry::WalkStatus::kLeaf && !a.levels.empty() ? a.levels.back().level : 1;
  v.split = split_va(a.va, leaf_level);
  if (a.status == telemetry::WalkStatus::kNonCanonical) {
    v.summary = hex(a.va) +
                " is not canonical: bits 63..48 must all equal bit 47, so the CPU raises a "
                "general-protection fault before reading any table.";
    return v;
  }
  if (a.status == telemetry::WalkStatus::kUnknownAsid || a.levels.empty()) {
    v.summary = m.names().space(a.asid) + " (address space " + std::to_string(a.asid) +
                ") does not exist: there is no CR3 value to start the walk from.";
    return v;
  }
  const uint64_t root = a.levels.front().table_pfn << 12;
  v.steps.push_back({"CR3", 5, 0, 0, root, "",
                     "CR3 holds the physical address of " + m.names().space(a.asid) +
                         "'s PML4 table: " + hex(root) + "."});
  for (const auto& l : a.levels) {
    WalkStep s;
    s.name = step_name(l.level);
    s.level = l.level;
    s.table_phys = l.table_pfn << 12;
    s.index = l.index;
    s.entry = l.entry;
    s.flags = flags_text(l.entry, l.level);
    const unsigned hi = 12 + 9 * l.level - 1, lo = hi - 8;
    std::string head = "Bits " + std::to_string(hi) + ".." + std::to_string(lo) +
                       " of the address give index " + std::to_string(l.index) + " into the " +
                       table_name(l.level) + " at " + hex(s.table_phys) + "; ";
    if (!present(l.entry)) {
      s.explanation = head +
                      "that entry is not present, so the walk stops here and the CPU "
                      "raises a page fault.";
    } else if (is_leaf(l.entry, l.level)) {
      s.explanation = head + "it maps a " + page_size(l.level) + " page at " +
                      hex(target_phys(l.entry, l.level)) + ", and the low " +
                      std::to_string(v.split.offset_bits) +
                      " bits of the address are the offset inside it.";
    } else {
      s.explanation = head + "it points to the " + table_name(static_cast<uint8_t>(l.level - 1)) +
                      " at " + hex(target_phys(l.entry, l.level)) + ".";
    }
    v.steps.push_back(std::move(s));
  }
  const auto& last = a.levels.back();
  switch (a.status) {
    case telemetry::WalkStatus::kLeaf: {
      const uint64_t phys = target_phys(last.entry, last.level) + v.split.offset;
      v.final_phys = phys;
      v.final_frame = describe_frame(m, phys >> 12);
      v.summary = hex(a.va) + " -> physical " + hex(phys) + " (a " + page_size(last.level) +
                  " page, offset " + hex(v.split.offset) + ").";
      break;
    }
    case telemetry::WalkStatus::kNotPresent:
      v.summary = hex(a.va) + " is not mapped: the " + step_name(last.level) +
                  " is not present (an access would page-fault).";
      break;
    case telemetry::WalkStatus::kBadTable:
      v.summary = "the " + std::string(step_name(last.level)) + " points at " +
                  hex(target_phys(last.entry, last.level)) +
                  ", which is not a page table the walk can read: a kernel bug to report.";
      break;
    default:
      break;
  }
  return v;
}

}  // namespace glass::inspector::view
