// SlabCache: fixed-size objects carved out of single frames (kind kSlab) for kmalloc's size classes
// and for typed kernel-object caches.
//
// Invariants:
//  - lock_ (held only through SpinGuard) guards the cache's lists and counters and the u.slab part
//    of the descriptors of its frames; free objects' first bytes belong to the cache too.
//  - Each slab frame is on exactly one of the cache's lists: `partial_` (at least one free object;
//    completely empty slabs are here too, at most kKeepEmpty of them) or `full_`.
//  - live_ == sum of in_use over the slabs; slabs_ == number of frames the cache holds.
//  - mags_[c] is CPU c's magazine of objects taken out of the slabs but not handed to anyone;
//    only CPU c touches it, with interrupts off, so the common alloc/free needs no lock (the
//    cache lock is taken once per kMagazineBatch objects). Objects in magazines count as in use
//    in their slab; live_objects() subtracts them.
//  - A free object (in a slab's chain or a magazine) carries a poison word, and a slab-chain
//    object also the index of the next free one; freeing an object that carries the poison and is
//    found in this CPU's magazine or its slab's chain panics (double free).
//  - Lock order: registry lock -> cache lock -> buddy lock. A cache registers itself (for audit)
//    before taking its own lock, so no path takes the registry lock under a cache lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>

#include "kernel/lib/fail_inject.h"
#include "kernel/lib/platform.h"
#include "kernel/lib/result.h"
#include "kernel/lib/spinlock.h"
#include "mm/phys/audit_report.h"
#include "mm/phys/frame_table.h"

namespace glass::mm {

inline constexpr uint16_t kSlabNoObject = 0xFFFF;

class SlabCache {
  struct FreeObject;
  struct Magazine;

 public:
  static constexpr uint32_t kMinObject = 16;
  static constexpr uint32_t kMaxObject = 2048;  // beyond this, use the buddy allocator directly
  static constexpr uint32_t kKeepEmpty = 1;     // empty slabs kept to avoid buddy ping-pong
  static constexpr uint32_t kMagazineSize = 16;
  static constexpr uint32_t kMagazineBatch = 8;

  // Objects are `object_size` rounded up to a multiple of 16 (so 16-byte alignment always holds;
  // power-of-two sizes are aligned to their size because slabs are frame-aligned).
  constexpr SlabCache(const char* name, uint32_t object_size)
      : name_(name),
        size_(round_size(object_size)),
        shift_(shift_of(round_size(object_size))),
        capacity_(static_cast<uint16_t>(kFrameSize / round_size(object_size))) {}
  SlabCache(const SlabCache&) = delete;
  SlabCache& operator=(const SlabCache&) = delete;

  // kOutOfMemory when a new slab is needed and the buddy allocator has none. Inline: the common
  // case is a pop from this CPU's magazine.
  [[nodiscard]] Result<void*> alloc() {
    if (fail_inject::should_fail(fail_inject::Site::kSlabObject)) [[unlikely]]
      return Error::kOutOfMemory;
    const uintptr_t irq = glass::platform::irq_save();
    Magazine& m = mags_[glass::platform::current_cpu()];
    if (m.count == 0 && refill(m) == 0) [[unlikely]] {  // refill registers the cache first
      glass::platform::irq_restore(irq);
      return Error::kOutOfMemory;
    }
    auto* o = static_cast<FreeObject*>(m.objects[--m.count]);
    o->poison = 0;
    glass::platform::irq_restore(irq);
    return static_cast<void*>(o);
  }
  // Panics (naming the frame, its kind and owner) if `obj` is not a live object of this cache.
  void free(void* obj);
  // The same, for a caller (kfree) that already looked up the frame `obj` lives in and checked
  // that it is a slab. Inline: the common case is a push onto this CPU's magazine.
  void free_in(void* obj, PhysAddr phys, const FrameDesc& desc) {
    const auto offset = static_cast<uint32_t>(phys & (kFrameSize - 1));
    const uint32_t idx = index_of(offset);
    if (desc.u.slab.cache != this || idx * size_ != offset || idx >= capacity_) [[unlikely]] {
      bad_free(obj, phys);
    }
    auto* o = static_cast<FreeObject*>(obj);
    const uintptr_t irq = glass::platform::irq_save();
    Magazine& m = mags_[glass::platform::current_cpu()];
    if (o->poison == kPoison) [[unlikely]]
      check_double_free(m, obj, phys_to_pfn(phys));
    o->poison = kPoison;
    if (m.count == kMagazineSize) [[unlikely]]
      flush(m, kMagazineSize - kMagazineBatch);
    m.objects[m.count++] = obj;
    glass::platform::irq_restore(irq);
  }
  // Gives every slab back (after emptying every CPU's magazine, so no CPU may be using the
  // cache) and leaves the audit registry; panics if objects are still live. Call it
  // before a cache object goes away (caches have no destructor so they can be plain globals).
  void destroy();

  [[nodiscard]] const char* name() const { return name_; }
  [[nodiscard]] uint32_t object_size() const { return size_; }
  // Objects held by callers. Reads other CPUs' magazine counts, so exact only when quiescent.
  [[nodiscard]] uint64_t live_objects() const;
  [[nodiscard]] uint64_t slab_frames() const;
  [[nodiscard]] OwnerId owner_id() const { return id_.load(std::memory_order_relaxed); }

  // Checks the cache's lists against the descriptors; adds its frame count to *frames.
  void audit(const FrameTable& table, uint64_t* frames, AuditReport& report) const;
  // Host tests: forget everything (the frames vanish with the arena).
  void forget();

 private:
  friend class SlabRegistry;
  static constexpr uint32_t round_size(uint32_t s) {
    return s < kMinObject ? kMinObject : (s + 15u) & ~15u;
  }
  // log2(size) for power-of-two sizes (kmalloc's classes): index math without a division.
  static constexpr uint8_t shift_of(uint32_t s) {
    if ((s & (s - 1)) != 0) return 0;
    uint8_t k = 0;
    while ((1u << k) < s) ++k;
    return k;
  }
  [[nodiscard]] uint32_t index_of(uint32_t offset) const {
    return shift_ != 0 ? offset >> shift_ : offset / size_;
  }
  static constexpr uint16_t kOnPartial = 1;
  static constexpr uint16_t kOnFull = 2;

  static constexpr uint64_t kPoison = 0xF4EEF4EEF4EEF4EEull;
  // The first bytes of a free object.
  struct FreeObject {
    uint16_t next;  // next free index in the slab's chain (unused in a magazine)
    uint16_t pad[3];
    uint64_t poison;
  };
  struct alignas(64) Magazine {  // a cache line of its own: no false sharing between CPUs
    uint32_t count = 0;
    void* objects[kMagazineSize] = {};
  };

  void ensure_registered() {
    if (id_.load(std::memory_order_acquire) == kOwnerNone) register_slow();
  }
  void register_slow();
  [[noreturn, gnu::cold, gnu::noinline]] void bad_free(const void* obj, PhysAddr phys) const;
  [[nodiscard]] Result<void> grow() TA_REQ(lock_);
  [[nodiscard]] void* take_locked() TA_REQ(lock_);  // nullptr when growing failed
  void give_back_locked(void* obj) TA_REQ(lock_);
  [[nodiscard]] uint32_t refill(Magazine& m);
  void flush(Magazine& m, uint32_t keep);
  void check_double_free(const Magazine& m, void* obj, Pfn pfn);
  void link(Pfn* head, Pfn pfn, uint16_t which) TA_REQ(lock_);
  void unlink(Pfn* head, Pfn pfn) TA_REQ(lock_);
  [[nodiscard]] bool audit_list(const FrameTable& t, Pfn head, uint16_t which, uint64_t* slabs,
                                uint64_t* live, AuditReport& report) const TA_REQ(lock_);

  const char* name_;
  uint32_t size_;
  uint8_t shift_;
  uint16_t capacity_;
  // Also lock_'s: the u.slab part of this cache's descriptors, which the analysis cannot tie to
  // this lock (they live in the frame table, guarded according to their kind).
  mutable SpinLock lock_;
  Pfn partial_ TA_GUARDED(lock_) = kNoPfn;
  Pfn full_ TA_GUARDED(lock_) = kNoPfn;
  uint32_t empty_ TA_GUARDED(lock_) = 0;
  uint64_t slabs_ TA_GUARDED(lock_) = 0;
  uint64_t live_ TA_GUARDED(lock_) = 0;
  std::atomic<OwnerId> id_{kOwnerNone};
  Magazine mags_[glass::platform::kMaxCpus] = {};
  SlabCache* next_registered_ = nullptr;
};

// Called by mm::audit: every registered cache, and their frames against the kSlab census.
void audit_slab_caches(const FrameTable& table, uint64_t slab_frames, AuditReport& report);
#if GLASS_HOST
void slab_host_reset();
#endif

}  // namespace glass::mm
