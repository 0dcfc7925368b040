// libFuzzer target: the symbol module (a file on the boot ISO) as the panic path reads it.
// Lookups and counting never read outside the module's bytes, and a hit always names bytes
// inside them.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vector>

#include "kernel/boot/symbol_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<char> text(data, data + size);  // exact size: ASan catches a read past the end
  glass::SymbolTable table;
  table.init(text.data(), text.size());
  (void)table.count();
  uint64_t probes[] = {0, 1, 0x1000, 0xffffffff80100000ull, ~0ull};
  if (size >= 8) memcpy(&probes[1], data, 8);
  for (uint64_t addr : probes) {
    glass::SymbolHit hit;
    if (!table.lookup(addr, &hit)) continue;
    if (hit.name < text.data() || hit.name + hit.name_len > text.data() + text.size()) {
      __builtin_trap();
    }
  }
  return 0;
}
