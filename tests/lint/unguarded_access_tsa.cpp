// Negative test for the lint layer (tests/harness/lint_threads.py): every function below breaks a
// locking rule of the real mm types, and clang -Wthread-safety must say so exactly where the
// `expected-warning` comments are (clang -verify). If an annotation is lost, this file stops
// producing that warning and the lint layer fails. Never linked, never run.
//
// The guarded fields are private; this file reaches them by compiling the headers with `private`
// spelled `public` (standard headers first, so only Glass's classes see the change).
#include <stddef.h>
#include <stdint.h>

#include <atomic>
#include <new>
#include <type_traits>
#include <utility>

#define private public
#include "mm/phys/buddy.h"
#include "mm/virt/address_space.h"
#undef private

namespace glass::mm {

// Each expectation sits on the line it is about, so the formatter must leave the lines alone.
// clang-format off

// The VMAs without the mmap lock.
size_t read_vmas_unlocked(AddressSpace& as) {
  return as.vma_count_;  // expected-warning {{reading variable 'vma_count_' requires holding mmap lock 'as.lock_'}}
}

// A read guard is not enough to change them.
void write_vmas_under_read_guard(AddressSpace& as) {
  MmapReadGuard g(as);
  as.vma_count_ = 0;  // expected-warning {{writing variable 'vma_count_' requires holding mmap lock 'as.lock_' exclusively}}
}

// A write guard is; and the read guard lets the VMAs be read. No warning for these two.
void write_vmas_under_write_guard(AddressSpace& as) {
  MmapWriteGuard g(as);
  as.vma_count_ = 0;
}
size_t read_vmas_under_read_guard(AddressSpace& as) {
  MmapReadGuard g(as);
  return as.vma_count_;
}

// A private helper that needs the lock, called without it.
void find_unlocked(AddressSpace& as) {
  (void)as.find(0);  // expected-warning {{calling function 'find' requires holding mmap lock 'as.lock_'}}
}

// The buddy allocator's free lists without its spinlock, and with it.
void buddy_lists_unlocked(BuddyAllocator& b) {
  b.heads_[0] = kNoPfn;  // expected-warning {{writing variable 'heads_' requires holding spinlock 'b.lock_' exclusively}}
  (void)b.take_locked(0);  // expected-warning {{calling function 'take_locked' requires holding spinlock 'b.lock_' exclusively}}
}
void buddy_lists_locked(BuddyAllocator& b) {
  SpinGuard g(b.lock_);
  b.heads_[0] = kNoPfn;
}

// A guard's lock used after the guard is gone.
void use_after_guard(BuddyAllocator& b) {
  { SpinGuard g(b.lock_); }
  ++b.blocks_[0];  // expected-warning {{writing variable 'blocks_' requires holding spinlock 'b.lock_' exclusively}}
}

// clang-format on

}  // namespace glass::mm
