// The kernel's operator new/delete, backed by kmalloc (slab for small objects, buddy for large).
//
// Invariant: operator new never returns null — the language requires it to succeed or throw, and
// the kernel does not throw, so out of memory here panics. Code that can fail gracefully calls
// mm::kmalloc (or TypedCache::create) and handles the error Result instead.
#include <stddef.h>

#include <new>

#include "kernel/lib/panic.h"
#include "mm/phys/kmalloc.h"

namespace {

void* must_alloc(size_t size, size_t align) {
  auto r = glass::mm::kmalloc(size == 0 ? 1 : size, align);
  if (r.is_error()) {
    glass::panic("operator new(%zu, align %zu): %s", size, align, glass::error_name(r.error()));
  }
  return r.value();
}

}  // namespace

void* operator new(size_t size) {
  return must_alloc(size, 16);
}
void* operator new[](size_t size) {
  return must_alloc(size, 16);
}
void* operator new(size_t size, std::align_val_t align) {
  return must_alloc(size, static_cast<size_t>(align));
}
void* operator new[](size_t size, std::align_val_t align) {
  return must_alloc(size, static_cast<size_t>(align));
}

void operator delete(void* p) noexcept {
  glass::mm::kfree(p);
}
void operator delete[](void* p) noexcept {
  glass::mm::kfree(p);
}
void operator delete(void* p, size_t) noexcept {
  glass::mm::kfree(p);
}
void operator delete[](void* p, size_t) noexcept {
  glass::mm::kfree(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  glass::mm::kfree(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  glass::mm::kfree(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  glass::mm::kfree(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  glass::mm::kfree(p);
}
