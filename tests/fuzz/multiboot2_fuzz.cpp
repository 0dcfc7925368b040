// libFuzzer target: the multiboot2 boot information (bytes the boot loader hands the kernel).
// Parsing and printing the summary never read outside the buffer (ASan), and what parse() keeps
// stays within its fixed arrays and inside the blob.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vector>

#include "kernel/boot/multiboot2.h"

namespace {
void discard(void*, const char*, size_t) {}
bool inside(const void* p, const uint8_t* blob, size_t n) {
  auto* b = static_cast<const uint8_t*>(p);
  return b >= blob && b < blob + n;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // An exact-size heap copy, 8-byte aligned as the loader's is, so ASan sees any overrun.
  std::vector<uint64_t> words((size + 7) / 8);
  auto* blob = reinterpret_cast<uint8_t*>(words.data());
  if (size) memcpy(blob, data, size);
  auto r = glass::mb2::parse(blob, size);
  if (r.is_error()) return 0;
  const glass::mb2::BootInfo& info = r.value();
  if (info.mmap_count > glass::mb2::kMaxMemoryRegions) __builtin_trap();
  if (info.module_count > glass::mb2::kMaxModules) __builtin_trap();
  if (info.warning_count > glass::mb2::kMaxWarnings) __builtin_trap();
  if (info.cmdline && !inside(info.cmdline, blob, size)) __builtin_trap();
  if (info.boot_loader_name && !inside(info.boot_loader_name, blob, size)) __builtin_trap();
  for (uint32_t i = 0; i < info.module_count; ++i) {
    if (info.modules[i].end < info.modules[i].start) __builtin_trap();
  }
  glass::mb2::print_summary(info, glass::FormatSink{discard, nullptr});
  return 0;
}
