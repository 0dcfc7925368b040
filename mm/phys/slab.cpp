// SlabCache; see slab.h for the invariants.
#include "mm/phys/slab.h"

#include "kernel/lib/fail_inject.h"

#include "kernel/lib/panic.h"
#include "mm/phys/frames.h"

namespace glass::mm {

// All caches that ever held a slab, for audit. Guarded by its own lock (outermost in lock order).
class SlabRegistry {
 public:
  static void add(SlabCache* cache) {
    SpinGuard guard(lock_);
    if (cache->id_.load(std::memory_order_relaxed) != kOwnerNone) return;
    cache->next_registered_ = head_;
    head_ = cache;
    cache->id_.store(next_id_++, std::memory_order_release);
  }
  static void remove(SlabCache* cache) {
    SpinGuard guard(lock_);
    for (SlabCache** link = &head_; *link != nullptr; link = &(*link)->next_registered_) {
      if (*link == cache) {
        *link = cache->next_registered_;
        cache->next_registered_ = nullptr;
        cache->id_.store(kOwnerNone, std::memory_order_release);
        return;
      }
    }
  }
  static void audit(const FrameTable& table, uint64_t slab_frames, AuditReport& report) {
    SpinGuard guard(lock_);
    uint64_t frames = 0;
    for (SlabCache* c = head_; c != nullptr && report.ok; c = c->next_registered_) {
      c->audit(table, &frames, report);
    }
    if (report.ok && frames != slab_frames) {
      report.fail("slab caches hold %llu frames, but %llu frames are of kind slab",
                  static_cast<unsigned long long>(frames),
                  static_cast<unsigned long long>(slab_frames));
    }
  }
  static void reset() {
    SpinGuard guard(lock_);
    for (SlabCache* c = head_; c != nullptr;) {
      SlabCache* next = c->next_registered_;
      c->forget();
      c = next;
    }
    head_ = nullptr;
  }

 private:
  static constinit inline SpinLock lock_;
  static constinit inline SlabCache* head_ TA_GUARDED(lock_) = nullptr;
  static constinit inline OwnerId next_id_ TA_GUARDED(lock_) = kOwnerDynamicBase;
};

namespace {
unsigned char* slab_base(Pfn pfn) {
  return static_cast<unsigned char*>(platform::phys_to_virt(pfn_to_phys(pfn)));
}
}  // namespace

void SlabCache::register_slow() {
  SlabRegistry::add(this);
}

void SlabCache::link(Pfn* head, Pfn pfn, uint16_t which) {
  FrameTable& t = frame_table_mut();
  auto& s = t[pfn].u.slab;
  s.list = which;
  s.prev = kNoPfn;
  s.next = *head;
  if (*head != kNoPfn) t[*head].u.slab.prev = pfn;
  *head = pfn;
}

void SlabCache::unlink(Pfn* head, Pfn pfn) {
  FrameTable& t = frame_table_mut();
  auto& s = t[pfn].u.slab;
  if (s.prev != kNoPfn) {
    t[s.prev].u.slab.next = s.next;
  } else {
    *head = s.next;
  }
  if (s.next != kNoPfn) t[s.next].u.slab.prev = s.prev;
  s.list = 0;
}

Result<void> SlabCache::grow() {
  const PhysAddr phys = TRY(alloc_frames(0, FrameKind::kSlab, id_.load(std::memory_order_relaxed)));
  const Pfn pfn = phys_to_pfn(phys);
  unsigned char* base = slab_base(pfn);
  for (uint16_t i = 0; i < capacity_; ++i) {
    auto* o = reinterpret_cast<FreeObject*>(base + uint32_t{i} * size_);
    o->next = static_cast<uint16_t>(i + 1 < capacity_ ? i + 1 : kSlabNoObject);
    o->poison = kPoison;
  }
  auto& s = frame_table_mut()[pfn].u.slab;
  s.cache = this;
  s.free_index = 0;
  s.in_use = 0;
  s.capacity = capacity_;
  link(&partial_, pfn, kOnPartial);
  ++slabs_;
  ++empty_;
  return {};
}

void* SlabCache::take_locked() {
  if (partial_ == kNoPfn && grow().is_error()) return nullptr;
  const Pfn pfn = partial_;
  auto& s = frame_table_mut()[pfn].u.slab;
  if (s.in_use == 0) --empty_;
  auto* o = reinterpret_cast<FreeObject*>(slab_base(pfn) + uint32_t{s.free_index} * size_);
  s.free_index = o->next;
  ++s.in_use;
  ++live_;
  if (s.in_use == s.capacity) {
    unlink(&partial_, pfn);
    link(&full_, pfn, kOnFull);
  }
  return o;
}

void SlabCache::give_back_locked(void* obj) {
  const Pfn pfn = phys_to_pfn(platform::virt_to_phys(obj));
  auto& s = frame_table_mut()[pfn].u.slab;
  if (s.in_use == 0) panic("mm: free to empty slab frame %u (cache %s)", pfn, name_);
  auto* o = static_cast<FreeObject*>(obj);
  const uint32_t offset = static_cast<uint32_t>(platform::virt_to_phys(obj) & (kFrameSize - 1));
  o->next = s.free_index;
  o->poison = kPoison;
  s.free_index = static_cast<uint16_t>(index_of(offset));
  if (s.in_use == s.capacity) {
    unlink(&full_, pfn);
    link(&partial_, pfn, kOnPartial);
  }
  --s.in_use;
  --live_;
  if (s.in_use == 0 && ++empty_ > kKeepEmpty) {
    unlink(&partial_, pfn);
    --empty_;
    --slabs_;
    s.cache = nullptr;
    buddy().free(pfn, 0, FrameKind::kSlab);
  }
}

uint32_t SlabCache::refill(Magazine& m) {
  ensure_registered();  // before the cache lock: the registry lock comes first
  SpinGuard guard(lock_);
  while (m.count < kMagazineBatch) {
    void* obj = take_locked();
    if (obj == nullptr) {
      // The batch is a prefetch: one object satisfies the caller, so running out after the
      // first is not the caller's failure (and a failure sweep is told it was absorbed).
      if (m.count != 0) fail_inject::absorbed();
      break;
    }
    m.objects[m.count++] = obj;
  }
  return m.count;
}

void SlabCache::flush(Magazine& m, uint32_t keep) {
  SpinGuard guard(lock_);
  while (m.count > keep) give_back_locked(m.objects[--m.count]);
}

// Out of line and cold: the free path only branches here when something is wrong.
void SlabCache::bad_free(const void* obj, PhysAddr phys) const {
  const Pfn pfn = phys_to_pfn(phys);
  const FrameDesc& d = frame_table()[pfn];
  if (load_kind(d) != FrameKind::kSlab) {
    frame_table().ownership_panic(pfn, FrameKind::kSlab, "slab object freed");
  }
  if (d.u.slab.cache != this) {
    panic("mm: object %p freed to cache %s, but frame %u belongs to slab owner %u", obj, name_, pfn,
          load_owner(d));
  }
  panic("mm: %p is not an object start in slab frame %u (cache %s, size %u)", obj, pfn, name_,
        size_);
}

// Only called when the object carries the poison, i.e. rarely for a correct caller.
void SlabCache::check_double_free(const Magazine& m, void* obj, Pfn pfn) {
  bool found = false;
  for (uint32_t i = 0; i < m.count && !found; ++i) found = m.objects[i] == obj;
  if (!found) {
    SpinGuard guard(lock_);
    const auto& s = frame_table()[pfn].u.slab;
    const uint32_t idx =
        index_of(static_cast<uint32_t>(platform::virt_to_phys(obj) & (kFrameSize - 1)));
    for (uint16_t i = s.free_index, n = 0; i != kSlabNoObject && n < capacity_ && !found; ++n) {
      found = i == idx;
      i = reinterpret_cast<FreeObject*>(slab_base(pfn) + uint32_t{i} * size_)->next;
    }
  }
  if (found) {
    panic("mm: double free of object %p in slab frame %u (cache %s, owner %u)", obj, pfn, name_,
          load_owner(frame_table()[pfn]));
  }
}

void SlabCache::free(void* obj) {
  const PhysAddr phys = platform::virt_to_phys(obj);
  const Pfn pfn = phys_to_pfn(phys);
  if (!frame_table().contains(pfn)) {
    panic("mm: slab free of %p: phys %#llx is outside the frame table", obj,
          static_cast<unsigned long long>(phys));
  }
  if (load_kind(frame_table()[pfn]) != FrameKind::kSlab) bad_free(obj, phys);
  free_in(obj, phys, frame_table()[pfn]);
}

void SlabCache::destroy() {
  {
    for (Magazine& m : mags_) {
      if (m.count != 0) flush(m, 0);
    }
    SpinGuard guard(lock_);
    if (live_ != 0) {
      panic("mm: cache %s (owner %u) destroyed with %llu live objects", name_, owner_id(),
            static_cast<unsigned long long>(live_));
    }
    while (partial_ != kNoPfn) {
      const Pfn pfn = partial_;
      unlink(&partial_, pfn);
      frame_table_mut()[pfn].u.slab.cache = nullptr;
      buddy().free(pfn, 0, FrameKind::kSlab);
    }
    slabs_ = 0;
    empty_ = 0;
  }
  // Outside the cache lock: the registry lock comes first in the lock order.
  SlabRegistry::remove(this);
}

uint64_t SlabCache::live_objects() const {
  uint64_t in_magazines = 0;
  for (const Magazine& m : mags_) {
    in_magazines +=
        std::atomic_ref<uint32_t>(const_cast<uint32_t&>(m.count)).load(std::memory_order_relaxed);
  }
  SpinGuard guard(lock_);
  return live_ - in_magazines;
}

uint64_t SlabCache::slab_frames() const {
  SpinGuard guard(lock_);
  return slabs_;
}

bool SlabCache::audit_list(const FrameTable& t, Pfn head, uint16_t which, uint64_t* slabs,
                           uint64_t* live, AuditReport& report) const {
  Pfn prev = kNoPfn;
  for (Pfn p = head; p != kNoPfn; p = t[p].u.slab.next) {
    if (!t.contains(p) || *slabs > slabs_) {
      report.fail("cache %s: list is corrupt at frame %u", name_, p);
      return false;
    }
    const FrameDesc& d = t[p];
    const auto& s = d.u.slab;
    if (load_kind(d) != FrameKind::kSlab || s.cache != this || load_owner(d) != owner_id() ||
        s.list != which || s.prev != prev) {
      report.fail("cache %s: frame %u is %s owner %u, not a slab of this cache on list %u", name_,
                  p, kind_name(load_kind(d)), load_owner(d), which);
      return false;
    }
    if (s.capacity != capacity_ || s.in_use > s.capacity ||
        (which == kOnFull) != (s.in_use == s.capacity)) {
      report.fail("cache %s: slab frame %u has %u of %u objects in use on list %u", name_, p,
                  s.in_use, s.capacity, which);
      return false;
    }
    unsigned free_objects = 0;
    for (uint16_t i = s.free_index; i != kSlabNoObject; ++free_objects) {
      if (i >= capacity_ || free_objects > capacity_) {
        report.fail("cache %s: slab frame %u has a corrupt free chain", name_, p);
        return false;
      }
      i = reinterpret_cast<const FreeObject*>(slab_base(p) + uint32_t{i} * size_)->next;
    }
    if (free_objects + s.in_use != s.capacity) {
      report.fail("cache %s: slab frame %u has %u free + %u in use != %u objects", name_, p,
                  free_objects, s.in_use, s.capacity);
      return false;
    }
    ++*slabs;
    *live += s.in_use;
    prev = p;
  }
  return true;
}

void SlabCache::audit(const FrameTable& table, uint64_t* frames, AuditReport& report) const {
  SpinGuard guard(lock_);
  uint64_t slabs = 0, live = 0;
  if (!audit_list(table, partial_, kOnPartial, &slabs, &live, report)) return;
  if (!audit_list(table, full_, kOnFull, &slabs, &live, report)) return;
  for (unsigned cpu = 0; cpu < glass::platform::kMaxCpus; ++cpu) {
    const Magazine& m = mags_[cpu];
    if (m.count > kMagazineSize) {
      report.fail("cache %s: cpu %u magazine holds %u objects", name_, cpu, m.count);
      return;
    }
    for (uint32_t i = 0; i < m.count; ++i) {
      const Pfn p = phys_to_pfn(platform::virt_to_phys(m.objects[i]));
      const auto* o = static_cast<const FreeObject*>(m.objects[i]);
      if (!table.contains(p) || load_kind(table[p]) != FrameKind::kSlab ||
          table[p].u.slab.cache != this || o->poison != kPoison) {
        report.fail("cache %s: cpu %u magazine holds %p, not a free object of this cache", name_,
                    cpu, m.objects[i]);
        return;
      }
    }
  }
  if (slabs != slabs_ || live != live_) {
    report.fail("cache %s: lists hold %llu slabs / %llu objects, counters say %llu / %llu", name_,
                static_cast<unsigned long long>(slabs), static_cast<unsigned long long>(live),
                static_cast<unsigned long long>(slabs_), static_cast<unsigned long long>(live_));
    return;
  }
  *frames += slabs;
}

void SlabCache::forget() {
  SpinGuard guard(lock_);
  for (Magazine& m : mags_) m = Magazine{};
  partial_ = full_ = kNoPfn;
  empty_ = 0;
  slabs_ = live_ = 0;
  id_.store(kOwnerNone, std::memory_order_relaxed);
  next_registered_ = nullptr;
}

void audit_slab_caches(const FrameTable& table, uint64_t slab_frames, AuditReport& report) {
  SlabRegistry::audit(table, slab_frames, report);
}

#if GLASS_HOST
void slab_host_reset() {
  SlabRegistry::reset();
}
#endif

}  // namespace glass::mm
