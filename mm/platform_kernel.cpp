// Kernel side of the mm seam: all usable RAM is reachable through the direct map, so translation
// is one addition. Invariant (kernel/arch/x86_64/layout.h): the direct map covers [0,
// kDirectMapMax) once early paging has run, and mm::init ignores memory above it.
#include "kernel/arch/x86_64/layout.h"
#include "mm/platform.h"

namespace glass::mm::platform {

void* phys_to_virt(PhysAddr phys) {
  return reinterpret_cast<void*>(phys + glass::layout::kDirectMapBase);
}

PhysAddr virt_to_phys(const void* virt) {
  return reinterpret_cast<uintptr_t>(virt) - glass::layout::kDirectMapBase;
}

}  // namespace glass::mm::platform
