// SpinLock/SpinGuard, single-threaded: the guard holds and releases, and a recursive take on the
// same CPU panics with a message naming the lock and CPU instead of spinning forever.
// (Multi-threaded behaviour is in spinlock_tsan_test.cpp.)
#include "kernel/lib/spinlock.h"

#include <gtest/gtest.h>

namespace glass {
namespace {

TEST(SpinLock, GuardHoldsForItsScope) {
  SpinLock lock;
  EXPECT_FALSE(lock.is_locked());
  {
    SpinGuard guard(lock);
    EXPECT_TRUE(lock.is_locked());
  }
  EXPECT_FALSE(lock.is_locked());
  {
    SpinGuard again(lock);  // released locks can be taken again
    EXPECT_TRUE(lock.is_locked());
  }
  EXPECT_EQ(lock.contended_count(), 0u);
}

TEST(SpinLock, DistinctLocksNest) {
  SpinLock a, b;
  SpinGuard ga(a);
  SpinGuard gb(b);
  EXPECT_TRUE(a.is_locked());
  EXPECT_TRUE(b.is_locked());
}

TEST(SpinLockDeathTest, RecursiveTakeOnSameCpuPanics) {
  SpinLock lock;
  EXPECT_DEATH(
      {
        SpinGuard outer(lock);
        SpinGuard inner(lock);
      },
      "PANIC: spinlock 0x[0-9a-f]+ taken twice by cpu [0-9]+");
  EXPECT_FALSE(lock.is_locked());  // the death happened in a child process
}

}  // namespace
}  // namespace glass
