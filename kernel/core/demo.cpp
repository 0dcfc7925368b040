// Demo lookup and the demos that belong to the core kernel.
#include "kernel/core/demo.h"

#include "kernel/base/kprintf.h"

extern "C" const glass::Demo* const __start_glass_demos[];
extern "C" const glass::Demo* const __stop_glass_demos[];

namespace glass {

bool run_demo(const char* name) {
  if (__builtin_strcmp(name, "list") == 0) {
    kprintf("demos:\n");
    for (auto* const* it = __start_glass_demos; it != __stop_glass_demos; ++it) {
      const Demo* d = *it;
      kprintf("  demo=%-12s %s\n", d->name, d->about);
    }
    return true;
  }
  for (auto* const* it = __start_glass_demos; it != __stop_glass_demos; ++it) {
    const Demo* d = *it;
    if (__builtin_strcmp(name, d->name) == 0) {
      kprintf("demo: %s: %s\n", d->name, d->about);
      return d->run();
    }
  }
  kprintf("warning: no demo named '%s' (demo=list shows them)\n", name);
  return false;
}

// What a kernel bug looks like: a write through a pointer into unmapped memory, decoded.
GLASS_DEMO(pagefault, "write to an unmapped address and show the decoded panic") {
  volatile int* p = reinterpret_cast<volatile int*>(0x10000);  // low memory is unmapped
  *p = 42;
  return false;  // not reached: the write panics
}

}  // namespace glass
