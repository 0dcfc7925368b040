// The legend's words: see legend_text.h.
#include "inspector/view/legend_text.h"

#include <iterator>
#include <sstream>

#include "inspector/view/tree_rows.h"
#include "mm/phys/frame_kind.h"

namespace glass::inspector::view {

const std::vector<FlagMeaning>& flag_meanings() {
  static const std::vector<FlagMeaning> k = {
      {"P", "present: the entry is valid; without it the MMU stops and page-faults"},
      {"W", "writable: writes allowed (every level on the walk must allow them)"},
      {"U", "user: ring 3 may use it (every level on the walk must allow it)"},
      {"PWT", "write-through caching for what it points to"},
      {"PCD", "cache disabled for what it points to (device memory)"},
      {"A", "accessed: the MMU set it when it used the entry"},
      {"D", "dirty: the MMU set it when the page was written (leaves only)"},
      {"G", "global: the TLB keeps it across CR3 switches (kernel pages)"},
      {"PAT", "page attribute table index bit: selects the memory type"},
      {"NX", "no-execute: instruction fetches fault (any level on the walk can forbid)"},
      {"PS", "page size: in a PD or PDPT, the entry maps a 2 MiB or 1 GiB page itself"},
      {"-", "not present: the entry holds nothing the MMU uses"},
  };
  return k;
}

std::vector<std::string> flags_explained(uint64_t entry, uint8_t level) {
  std::vector<std::string> out;
  std::istringstream words(flags_text(entry, level));
  std::string w;
  while (words >> w)
    for (const auto& f : flag_meanings())
      if (w == f.flag) out.push_back(std::string(f.flag) + ": " + f.meaning);
  return out;
}

const std::vector<ColumnMeaning>& tree_columns() {
  static const std::vector<ColumnMeaning> k = {
      {"lk", "locks: a bar for every cursor whose locked range crosses this entry"},
      {"entry", "the table (PML4, PDPT, PD or PT) and the index of this entry in it; + opens it"},
      {"virtual range", "the virtual addresses this entry covers"},
      {"flags", "the entry's flag bits (hover a cell, or see the legend)"},
      {"target", "the physical address it points to: the next table, or the page a leaf maps"},
      {"children / holder",
       "how many entries the next table holds, the page size of a leaf, or who locks it"},
  };
  return k;
}

const char* kind_meaning(uint8_t frame_kind) {
  // In mm::FrameKind's order (mm/phys/frame_kind.h).
  static constexpr const char* kMeaning[] = {
      "free: on the buddy allocator's free lists, owned by nobody",
      "busy: moving between two kinds right now (never seen at rest)",
      "reserved: firmware, holes, low memory; never allocated",
      "frame-table: the frame descriptors themselves",
      "kernel-image: the loaded kernel",
      "boot-module: a multiboot2 module (the symbol file)",
      "boot-info: the multiboot2 information",
      "page-table: a PML4, PDPT, PD or PT of some address space",
      "slab: small objects of one cache (owner: the cache)",
      "large: a large kmalloc allocation straight from the buddy allocator",
      "folio: reference-counted data pages (what user mappings map)",
      "block-buffer: a block-layer I/O buffer",
      "telemetry: a telemetry ring buffer",
      "device-queue: rings shared with a device (a virtqueue)",
  };
  static_assert(std::size(kMeaning) == mm::kFrameKindCount, "one meaning per frame kind");
  return frame_kind < std::size(kMeaning) ? kMeaning[frame_kind] : "?";
}

const std::vector<ColumnMeaning>& merged_columns() {
  static const std::vector<ColumnMeaning> k = {
      {"first", "the first virtual address of the range"},
      {"last", "the last virtual address of the range"},
      {"4 KiB pages", "how many 4 KiB pages the range spans"},
      {"rights (urwx)", "u user, r read, w write, x execute, combined along the whole walk"},
  };
  return k;
}

const std::vector<ColumnMeaning>& level_names() {
  static const std::vector<ColumnMeaning> k = {
      {"PML4", "level 4, the root: CR3 points here; an entry covers 512 GiB"},
      {"PDPT", "level 3: an entry covers 1 GiB (a 1 GiB page with PS)"},
      {"PD", "level 2: an entry covers 2 MiB (a 2 MiB page with PS)"},
      {"PT", "level 1: an entry maps one 4 KiB page"},
  };
  return k;
}

}  // namespace glass::inspector::view
