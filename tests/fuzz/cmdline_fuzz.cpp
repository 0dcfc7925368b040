// libFuzzer target: the kernel command line (typed by users into --cmdline, passed by GRUB).
// Whatever the bytes, parsing returns, every value is NUL-terminated inside its buffer, and the
// warning count stays within its array.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <string>

#include "kernel/boot/cmdline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // stops at the first NUL
  const glass::Cmdline c = glass::parse_cmdline(text.c_str());
  if (strnlen(c.ktest, sizeof c.ktest) == sizeof c.ktest) __builtin_trap();
  if (strnlen(c.demo, sizeof c.demo) == sizeof c.demo) __builtin_trap();
  if (c.warning_count > glass::Cmdline::kMaxWarnings) __builtin_trap();
  for (size_t i = 0; i < c.warning_count; ++i) {
    if (strnlen(c.warnings[i], glass::Cmdline::kWarningMax) == glass::Cmdline::kWarningMax) {
      __builtin_trap();
    }
  }
  return 0;
}
