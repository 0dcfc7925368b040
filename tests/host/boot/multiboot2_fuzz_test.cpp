// mb2::parse against arbitrary bytes: a seeded mutation run (byte flips, interesting 32-bit
// values, insertions, deletions, lying or truthful total_size, misaligned blobs) asserting no
// out-of-bounds read (ASan), no UB (UBSan), and results that stay inside the blob and capacities.
#include "kernel/boot/multiboot2.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "tests/host/boot/mb2_builder.h"
#include "tests/host/boot/mb2_test_support.h"
#include "tests/host/lib/test_seed.h"

namespace glass::mb2 {
namespace {

using testing::Blob;
using testing::Mb2Builder;
using testing::summary;

// Everything parse() returns must point inside the blob and respect the capacities.
void check_within_bounds(const BootInfo& info, const Blob& blob) {
  const uint8_t* lo = blob.data();
  const uint8_t* hi = blob.data() + info.total_size;
  ASSERT_LE(info.total_size, blob.size());
  auto inside_string = [&](const char* s) {
    if (s == nullptr) return true;
    const auto* p = reinterpret_cast<const uint8_t*>(s);
    if (p < lo || p >= hi) return false;
    return memchr(p, 0, static_cast<size_t>(hi - p)) != nullptr;
  };
  ASSERT_TRUE(inside_string(info.cmdline));
  ASSERT_TRUE(inside_string(info.boot_loader_name));
  ASSERT_LE(info.mmap_count, kMaxMemoryRegions);
  ASSERT_LE(info.module_count, kMaxModules);
  ASSERT_LE(info.warning_count, kMaxWarnings);
  for (uint32_t i = 0; i < info.module_count; ++i) {
    ASSERT_TRUE(inside_string(info.modules[i].cmdline));
    ASSERT_LE(info.modules[i].start, info.modules[i].end);
  }
  for (uint32_t i = 0; i < info.warning_count; ++i) ASSERT_NE(info.warnings[i].what, nullptr);
  if (info.rsdp.bytes != nullptr) {
    ASSERT_GE(info.rsdp.bytes, lo);
    ASSERT_LE(info.rsdp.bytes + info.rsdp.length, hi);
    ASSERT_TRUE(info.rsdp.version == 1 || info.rsdp.version == 2);
  }
  for (uint32_t i = 0; i < info.mmap_count; ++i) {
    const MemoryRegion& m = info.mmap[i];
    ASSERT_TRUE(m.length == 0 || m.base + (m.length - 1) >= m.base);
  }
  // The summary reads every string and pointer again.
  (void)summary(info);
}

TEST(Multiboot2Fuzz, MutatedBlobsStayInBounds) {
  const uint64_t seed = glass::testing::test_seed();
  GLASS_SEED_TRACE(seed);
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> seeds = {testing::synthetic_qemu_512m_blob()};
  {
    Mb2Builder b;
    b.cmdline("x");
    b.module(1, 2, "m");
    b.mmap({{0, 0x1000, 1}, {0x1000, 0x1000, 2}}, 32);
    b.acpi(2);
    b.meminfo(1, 2);
    b.end_tag();
    seeds.push_back(b.finish());
  }
  static const uint32_t kInteresting[] = {0,  1,  7,          8,          9,          16,
                                          23, 24, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff};
  int parsed = 0;
  for (int iter = 0; iter < 30000; ++iter) {
    std::vector<uint8_t> bytes = seeds[rng() % seeds.size()];
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      const size_t pos = rng() % bytes.size();
      switch (rng() % 5) {
        case 0:
          bytes[pos] = static_cast<uint8_t>(rng());
          break;
        case 1:
          bytes[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 2: {  // an interesting 32-bit value at an aligned spot (sizes, types)
          const size_t at = pos & ~size_t{3};
          if (at + 4 <= bytes.size()) memcpy(&bytes[at], &kInteresting[rng() % 12], 4);
          break;
        }
        case 3:
          bytes.insert(bytes.begin() + static_cast<ptrdiff_t>(pos), 1 + rng() % 9,
                       static_cast<uint8_t>(rng()));
          break;
        case 4:
          bytes.erase(
              bytes.begin() + static_cast<ptrdiff_t>(pos),
              bytes.begin() + static_cast<ptrdiff_t>(std::min(bytes.size(), pos + 1 + rng() % 9)));
          break;
      }
    }
    if (bytes.size() >= 4 && rng() % 2 == 0) {  // often keep total_size truthful
      const uint32_t total = static_cast<uint32_t>(bytes.size());
      memcpy(bytes.data(), &total, 4);
    }
    Blob blob(bytes, rng() % 8 == 0 ? 1 + rng() % 7 : 0);
    auto r = blob.parse();
    if (r.is_ok()) {
      ++parsed;
      check_within_bounds(r.value(), blob);
      if (::testing::Test::HasFatalFailure()) {
        ADD_FAILURE() << "iteration " << iter;
        return;
      }
    } else {
      ASSERT_EQ(r.error(), Error::kMalformed);
    }
  }
  EXPECT_GT(parsed, 1000);  // the mutations must mostly get past the header to mean anything
}

}  // namespace
}  // namespace glass::mb2
