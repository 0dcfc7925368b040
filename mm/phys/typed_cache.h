// TypedCache<T>: a slab cache for one kind of kernel object, constructing and destroying T in
// place. The cache owns the memory; whoever called create() owns the object until destroy().
//
// Invariants: objects are sizeof(T) rounded to 16 bytes, so alignof(T) <= 16 is required; the
// cache has no destructor (it can be a constinit global) — call destroy_cache() when a cache with
// a shorter life goes away.
#pragma once

#include <new>
#include <utility>

#include "kernel/lib/result.h"
#include "mm/phys/slab.h"

namespace glass::mm {

template <typename T>
class TypedCache {
  static_assert(alignof(T) <= 16, "slab objects are 16-byte aligned");
  static_assert(sizeof(T) <= SlabCache::kMaxObject, "large objects belong in kmalloc");

 public:
  constexpr explicit TypedCache(const char* name) : cache_(name, sizeof(T)) {}

  template <typename... Args>
  [[nodiscard]] Result<T*> create(Args&&... args) {
    void* mem = TRY(cache_.alloc());
    return new (mem) T(std::forward<Args>(args)...);
  }

  void destroy(T* obj) {
    if (obj == nullptr) return;
    obj->~T();
    cache_.free(obj);
  }

  void destroy_cache() { cache_.destroy(); }
  [[nodiscard]] SlabCache& cache() { return cache_; }

 private:
  SlabCache cache_;
};

}  // namespace glass::mm
