// Shared set-up for mm host tests: a simulated physical-RAM arena and a boot memory map with the
// awkward parts of a real one (low memory, a hole, reserved firmware range, kernel image, module,
// boot information). Each test gets a fresh mm; TearDown insists the audit is clean.
#pragma once

#include <gtest/gtest.h>

#include "mm/mm.h"
#include "mm/phys/host_arena.h"

namespace glass::mm::testing {

inline constexpr uint64_t kMiB = 1ull << 20;

// The 64 MiB map every MmTest boots with (numbers chosen so each rounding rule matters).
inline BootMemory standard_map() {
  BootMemory b;
  (void)b.add_available(0, 0x9FC00);            // low memory: never handed out
  (void)b.add_available(1 * kMiB, 47 * kMiB);   // 1 MiB .. 48 MiB
  (void)b.add_available(49 * kMiB, 15 * kMiB);  // hole at 48 .. 49 MiB
  (void)b.add_reserved(1 * kMiB, 0x234567, FrameKind::kKernelImage);
  (void)b.add_reserved(4 * kMiB, 0x1800, FrameKind::kBootModule);
  (void)b.add_reserved(4 * kMiB + 0x10000, 0x2000, FrameKind::kBootInfo);
  (void)b.add_reserved(63 * kMiB, 1 * kMiB, FrameKind::kReserved);
  return b;
}

// Frames the standard map leaves free after init, computed by hand (see mm_init_test.cpp).
inline constexpr uint64_t kStandardUsable = 159 + 12032 + 3840;
inline constexpr uint64_t kStandardTaken = 159 + 565 + 2 + 2 + 256 + 128;
inline constexpr uint64_t kStandardFree = kStandardUsable - kStandardTaken;

class MmTest : public ::testing::Test {
 protected:
  void SetUp() override { boot(64 * kMiB, standard_map()); }
  void TearDown() override { shutdown(); }

  void boot(uint64_t arena_bytes, const BootMemory& map) {
    host::arena_create(arena_bytes);
    booted_ = true;
    auto r = init(map);
    ASSERT_TRUE(r.is_ok()) << error_name(r.error());
  }
  void shutdown() {
    if (!booted_) return;
    if (initialised()) {
      AuditReport report = audit();
      EXPECT_TRUE(report.ok) << report.message;
    }
    host_reset();
    host::arena_destroy();
    booted_ = false;
  }
  void reboot(uint64_t arena_bytes, const BootMemory& map) {
    host_reset();
    host::arena_destroy();
    booted_ = false;
    boot(arena_bytes, map);
  }
  static void expect_clean() {
    AuditReport report = audit();
    EXPECT_TRUE(report.ok) << report.message;
  }

 private:
  bool booted_ = false;
};

}  // namespace glass::mm::testing
