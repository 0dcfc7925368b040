// mb2::parse: every tag it handles and every malformation it must survive, each with the exact
// warning or error, and the printed summary. Captured blobs: multiboot2_captured_test.cpp;
// robustness against arbitrary bytes: multiboot2_fuzz_test.cpp.
#include "kernel/boot/multiboot2.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/host/boot/mb2_builder.h"
#include "tests/host/boot/mb2_test_support.h"

namespace glass::mb2 {
namespace {

using testing::Blob;
using testing::Mb2Builder;
using testing::summary;

void expect_warnings(const BootInfo& info, const std::vector<Warning>& want) {
  ASSERT_EQ(info.warning_count, want.size()) << summary(info);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(info.warnings[i].tag_type, want[i].tag_type) << "warning " << i;
    EXPECT_EQ(info.warnings[i].offset, want[i].offset) << "warning " << i;
    EXPECT_STREQ(info.warnings[i].what, want[i].what) << "warning " << i;
  }
}

// ---------------------------------------------------------------- well-formed

TEST(Multiboot2, ParsesEveryHandledTag) {
  Mb2Builder b;
  b.cmdline("ktest=all quiet");
  b.boot_loader_name("GRUB 2.06");
  b.module(0x200000, 0x201000, "/boot/glass.sym");
  b.module(0x300000, 0x300000, "");
  b.meminfo(639, 523136);
  b.mmap(testing::qemu_512m_memory_map());
  b.acpi(2);
  b.end_tag();
  Blob blob(b.finish());
  auto r = blob.parse();
  ASSERT_TRUE(r.is_ok());
  const BootInfo& info = r.value();
  EXPECT_EQ(info.total_size, blob.size());
  EXPECT_STREQ(info.cmdline, "ktest=all quiet");
  EXPECT_STREQ(info.boot_loader_name, "GRUB 2.06");
  ASSERT_EQ(info.module_count, 2u);
  EXPECT_EQ(info.modules[0].start, 0x200000u);
  EXPECT_EQ(info.modules[0].end, 0x201000u);
  EXPECT_STREQ(info.modules[0].cmdline, "/boot/glass.sym");
  EXPECT_STREQ(info.modules[1].cmdline, "");
  EXPECT_TRUE(info.meminfo.present);
  EXPECT_EQ(info.meminfo.mem_lower_kib, 639u);
  EXPECT_EQ(info.meminfo.mem_upper_kib, 523136u);
  const auto want = testing::qemu_512m_memory_map();
  ASSERT_EQ(info.mmap_count, want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(info.mmap[i].base, want[i].base);
    EXPECT_EQ(info.mmap[i].length, want[i].length);
    EXPECT_EQ(info.mmap[i].type, want[i].type);
  }
  EXPECT_EQ(info.usable_bytes(), 0x9fc00u + 0x1fee0000u);
  EXPECT_EQ(info.rsdp.version, 2);
  EXPECT_EQ(info.rsdp.length, 36u);
  EXPECT_TRUE(info.rsdp.checksum_ok);
  EXPECT_EQ(memcmp(info.rsdp.bytes, "RSD PTR ", 8), 0);
  EXPECT_TRUE(info.end_tag_seen);
  EXPECT_EQ(info.warning_count, 0u);
  EXPECT_EQ(info.mmap_dropped + info.modules_dropped + info.warnings_dropped, 0u);
  // Pointers are into the blob, not copies.
  EXPECT_GE(reinterpret_cast<const uint8_t*>(info.cmdline), blob.data());
  EXPECT_LT(reinterpret_cast<const uint8_t*>(info.cmdline), blob.data() + blob.size());
}

TEST(Multiboot2, MinimalBlobIsHeaderAndEndTag) {
  Mb2Builder b;
  b.end_tag();
  Blob blob(b.finish());
  auto r = blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().total_size, 16u);
  EXPECT_TRUE(r.value().end_tag_seen);
  EXPECT_EQ(r.value().cmdline, nullptr);
  EXPECT_EQ(r.value().boot_loader_name, nullptr);
  EXPECT_EQ(r.value().rsdp.bytes, nullptr);
  EXPECT_FALSE(r.value().meminfo.present);
  EXPECT_EQ(r.value().warning_count, 0u);
}

TEST(Multiboot2, ReservedHeaderFieldIsIgnored) {
  Mb2Builder b;
  b.end_tag();
  auto bytes = b.finish();
  bytes[4] = 0xff;  // the spec: "must be ignored by OS image"
  Blob r_blob(bytes);
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().warning_count, 0u);
}

TEST(Multiboot2, AcpiV1AndPreferenceForV2) {
  {
    Mb2Builder b;
    b.acpi(1);
    b.end_tag();
    Blob r_blob(b.finish());
    auto r = r_blob.parse();
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r.value().rsdp.version, 1);
    EXPECT_EQ(r.value().rsdp.length, 20u);
    EXPECT_TRUE(r.value().rsdp.checksum_ok);
  }
  for (bool v2_first : {false, true}) {
    Mb2Builder b;
    if (v2_first) b.acpi(2);
    b.acpi(1);
    if (!v2_first) b.acpi(2);
    b.end_tag();
    Blob r_blob(b.finish());
    auto r = r_blob.parse();
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r.value().rsdp.version, 2) << "v2 first: " << v2_first;
    EXPECT_EQ(r.value().warning_count, 0u);
  }
}

TEST(Multiboot2, UnknownAndUnhandledTagsAreSkippedSilently) {
  Mb2Builder b;
  b.tag(0x1234, {1, 2, 3});
  b.tag(kTagBootDevice, std::vector<uint8_t>(12, 0xee));
  b.cmdline("after");
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_STREQ(r.value().cmdline, "after");
  EXPECT_EQ(r.value().warning_count, 0u);
}

TEST(Multiboot2, LargerMmapEntriesAreAccepted) {
  Mb2Builder b;
  b.mmap({{0x1000, 0x2000, kMemAvailable}, {0x100000, 0x100000, kMemAcpiNvs}}, 32);
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r.value().mmap_count, 2u);
  EXPECT_EQ(r.value().mmap[1].base, 0x100000u);
  EXPECT_EQ(r.value().mmap[1].type, kMemAcpiNvs);
  EXPECT_EQ(r.value().usable_bytes(), 0x2000u);
}

TEST(Multiboot2, SummaryNamesEverything) {
  Mb2Builder b;
  b.cmdline("console=com1");
  b.boot_loader_name("GRUB 2.06");
  b.module(0x200000, 0x201000, "glass.sym");
  b.mmap(testing::qemu_512m_memory_map());
  b.acpi(1);
  const size_t bad = b.string_tag(kTagCmdline, "dup");
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  const std::string s = summary(r.value());
  EXPECT_NE(s.find("boot loader: GRUB 2.06"), std::string::npos) << s;
  EXPECT_NE(s.find("command line: \"console=com1\""), std::string::npos) << s;
  EXPECT_NE(s.find("memory map: 7 entries"), std::string::npos) << s;
  EXPECT_NE(s.find("0x0000000000100000-0x000000001ffdffff available"), std::string::npos) << s;
  EXPECT_NE(s.find("0x00000000fffc0000-0x00000000ffffffff reserved"), std::string::npos) << s;
  EXPECT_NE(s.find("usable memory: 511 MiB"), std::string::npos) << s;
  EXPECT_NE(s.find("module 0: 0x200000-0x201000 (4096 bytes) \"glass.sym\""), std::string::npos)
      << s;
  EXPECT_NE(s.find("ACPI RSDP v1 at 0x"), std::string::npos) << s;
  EXPECT_NE(s.find("20 bytes, checksum ok"), std::string::npos) << s;
  EXPECT_NE(
      s.find("mb2: warning: tag 1 at offset " + std::to_string(bad) + ": duplicate tag ignored\n"),
      std::string::npos)
      << s;
}

// ---------------------------------------------------------------- header errors

TEST(Multiboot2, UnusableHeaderIsAnError) {
  const uint8_t tiny[4] = {8, 0, 0, 0};
  EXPECT_EQ(parse(nullptr, 100).error(), Error::kMalformed);
  EXPECT_EQ(parse(tiny, sizeof tiny).error(), Error::kMalformed);
  Mb2Builder b;
  b.end_tag();
  EXPECT_EQ(Blob(b.finish(7)).parse().error(), Error::kMalformed);           // total < 8
  EXPECT_EQ(Blob(b.finish(0)).parse().error(), Error::kMalformed);           // total 0
  EXPECT_EQ(Blob(b.finish(24)).parse().error(), Error::kMalformed);          // total > readable
  EXPECT_EQ(Blob(b.finish(0xffffffff)).parse().error(), Error::kMalformed);  // huge total
  auto ok = b.finish();
  EXPECT_EQ(parse(ok.data(), ok.size() - 1).error(), Error::kMalformed);  // mapped too little
}

TEST(Multiboot2, TotalSizeSmallerThanBlobLimitsTheWalk) {
  Mb2Builder b;
  b.cmdline("kept");
  const size_t cut = b.size();
  b.boot_loader_name("never read");
  b.end_tag();
  // total_size ends exactly after the first tag: no end tag inside it.
  Blob r_blob(b.finish(static_cast<int64_t>(cut)));
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_STREQ(r.value().cmdline, "kept");
  EXPECT_EQ(r.value().boot_loader_name, nullptr);
  EXPECT_FALSE(r.value().end_tag_seen);
  expect_warnings(r.value(),
                  {{kTagEnd, static_cast<uint32_t>(cut), "no end tag before total_size"}});
  // total_size ends in the middle of the second tag.
  Blob r2_blob(b.finish(static_cast<int64_t>(cut + 10)));
  auto r2 = r2_blob.parse();
  ASSERT_TRUE(r2.is_ok());
  expect_warnings(r2.value(), {{kTagBootLoaderName, static_cast<uint32_t>(cut),
                                "tag runs past total_size; walk stopped"}});
  // total_size ends inside the second tag's header.
  Blob r3_blob(b.finish(static_cast<int64_t>(cut + 4)));
  auto r3 = r3_blob.parse();
  ASSERT_TRUE(r3.is_ok());
  expect_warnings(r3.value(),
                  {{kNoTag, static_cast<uint32_t>(cut), "tag header runs past total_size"}});
}

// ---------------------------------------------------------------- walk-stopping tags

TEST(Multiboot2, ZeroSizeTagStopsTheWalk) {
  Mb2Builder b;
  b.cmdline("before");
  const size_t at = b.tag(7, {}, true, 0);
  b.boot_loader_name("after");
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_STREQ(r.value().cmdline, "before");
  EXPECT_EQ(r.value().boot_loader_name, nullptr);
  EXPECT_FALSE(r.value().end_tag_seen);
  expect_warnings(r.value(), {{7, static_cast<uint32_t>(at), "tag size below 8; walk stopped"}});
}

TEST(Multiboot2, HugeTagSizesCannotWrap) {
  for (uint32_t size : {0xffffffffu, 0xfffffff8u, 0x80000000u, 0xfffffff9u}) {
    Mb2Builder b;
    b.cmdline("before");
    const size_t at = b.tag(kTagMmap, std::vector<uint8_t>(24, 0), true, size);
    b.end_tag();
    Blob r_blob(b.finish());
    auto r = r_blob.parse();
    ASSERT_TRUE(r.is_ok());
    EXPECT_STREQ(r.value().cmdline, "before");
    expect_warnings(r.value(), {{kTagMmap, static_cast<uint32_t>(at),
                                 "tag runs past total_size; walk stopped"}});
  }
}

TEST(Multiboot2, MissingPaddingDerailsTheWalkDetectably) {
  Mb2Builder b;
  b.tag(kTagCmdline, {'a', 'b', 0}, /*pad=*/false);  // size 11 at offset 8; next tag at 19
  b.boot_loader_name("GRUB");                        // a producer that forgot to align
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_STREQ(r.value().cmdline, "ab");
  EXPECT_EQ(r.value().boot_loader_name, nullptr);
  // At the aligned offset 24 the walk sees bytes 00 00 00 'G' as a type and "RUB\0" as a size.
  expect_warnings(r.value(), {{0x47000000, 24, "tag runs past total_size; walk stopped"}});
}

TEST(Multiboot2, UnalignedBlobIsReadButNoted) {
  Mb2Builder b;
  b.cmdline("odd");
  b.end_tag();
  Blob blob(b.finish(), 3);
  auto r = blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_STREQ(r.value().cmdline, "odd");
  expect_warnings(r.value(), {{kNoTag, 0, "boot information not 8-byte aligned (read anyway)"}});
}

TEST(Multiboot2, EndTagOddities) {
  {
    Mb2Builder b;
    b.cmdline("x");
    Blob r_blob(b.finish());
    auto r = r_blob.parse();  // no end tag at all
    ASSERT_TRUE(r.is_ok());
    EXPECT_STREQ(r.value().cmdline, "x");
    EXPECT_FALSE(r.value().end_tag_seen);
    expect_warnings(r.value(),
                    {{kTagEnd, static_cast<uint32_t>(b.size()), "no end tag before total_size"}});
  }
  {
    Mb2Builder b;
    const size_t at = b.tag(kTagEnd, std::vector<uint8_t>(8, 0));  // size 16
    Blob r_blob(b.finish());
    auto r = r_blob.parse();
    ASSERT_TRUE(r.is_ok());
    EXPECT_TRUE(r.value().end_tag_seen);
    expect_warnings(r.value(), {{kTagEnd, static_cast<uint32_t>(at), "end tag size is not 8"}});
  }
  {
    Mb2Builder b;
    const size_t at = b.end_tag();
    b.cmdline("after the end");
    Blob r_blob(b.finish());
    auto r = r_blob.parse();
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r.value().cmdline, nullptr);
    expect_warnings(r.value(),
                    {{kTagEnd, static_cast<uint32_t>(at), "bytes after end tag ignored"}});
  }
}

// ---------------------------------------------------------------- skipped tags

TEST(Multiboot2, BadMmapTagsAreSkipped) {
  Mb2Builder b;
  const size_t small_entries = b.mmap({{0, 0x1000, kMemAvailable}}, 16);
  std::vector<uint8_t> ragged;
  Mb2Builder::append32(ragged, 24);
  Mb2Builder::append32(ragged, 0);
  ragged.resize(8 + 30, 0);  // 30 bytes of entries: not a multiple of 24
  const size_t ragged_at = b.tag(kTagMmap, ragged);
  const size_t tiny = b.tag(kTagMmap, {24, 0, 0, 0});
  const size_t good = b.mmap({{0x100000, 0x1000, kMemAvailable},
                              {0xfffffffffffff000ull, 0x2000, kMemReserved},  // wraps
                              {0x200000, 0x1000, kMemBadRam}});
  const size_t dup = b.mmap({{0, 1, kMemAvailable}});
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r.value().mmap_count, 2u);
  EXPECT_EQ(r.value().mmap[0].base, 0x100000u);
  EXPECT_EQ(r.value().mmap[1].type, kMemBadRam);
  EXPECT_TRUE(r.value().end_tag_seen);
  expect_warnings(
      r.value(),
      {{kTagMmap, static_cast<uint32_t>(small_entries), "memory map entry_size below 24"},
       {kTagMmap, static_cast<uint32_t>(ragged_at), "memory map entries do not fill the tag"},
       {kTagMmap, static_cast<uint32_t>(tiny), "memory map tag too small"},
       {kTagMmap, static_cast<uint32_t>(good), "memory map entry wraps past 2^64; dropped"},
       {kTagMmap, static_cast<uint32_t>(dup), "duplicate memory map ignored"}});
}

TEST(Multiboot2, MmapEntrySizeZeroDoesNotDivideByZero) {
  Mb2Builder b;
  const size_t at = b.tag(kTagMmap, std::vector<uint8_t>(8, 0));  // entry_size 0, no entries
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  expect_warnings(r.value(),
                  {{kTagMmap, static_cast<uint32_t>(at), "memory map entry_size below 24"}});
}

TEST(Multiboot2, StringsWithoutNulAreSkipped) {
  Mb2Builder b;
  const size_t at = b.tag(kTagCmdline, {'a', 'b', 'c'});  // padding zeros follow, outside the tag
  const size_t name = b.tag(kTagBootLoaderName, {});
  b.cmdline("second cmdline is taken");
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_STREQ(r.value().cmdline, "second cmdline is taken");
  EXPECT_EQ(r.value().boot_loader_name, nullptr);
  expect_warnings(r.value(), {{kTagCmdline, static_cast<uint32_t>(at),
                               "string not NUL-terminated inside its tag"},
                              {kTagBootLoaderName, static_cast<uint32_t>(name),
                               "string not NUL-terminated inside its tag"}});
}

TEST(Multiboot2, BadModulesAreSkipped) {
  Mb2Builder b;
  const size_t backwards = b.module(0x2000, 0x1000, "backwards");
  std::vector<uint8_t> no_nul;
  Mb2Builder::append32(no_nul, 0x1000);
  Mb2Builder::append32(no_nul, 0x2000);
  no_nul.push_back('x');
  const size_t unterminated = b.tag(kTagModule, no_nul);
  const size_t small = b.tag(kTagModule, std::vector<uint8_t>(8, 0));
  b.module(0x5000, 0x6000, "good");
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r.value().module_count, 1u);
  EXPECT_STREQ(r.value().modules[0].cmdline, "good");
  expect_warnings(r.value(),
                  {{kTagModule, static_cast<uint32_t>(backwards), "module ends before it starts"},
                   {kTagModule, static_cast<uint32_t>(unterminated),
                    "module string not NUL-terminated inside its tag"},
                   {kTagModule, static_cast<uint32_t>(small), "module tag too small"}});
}

TEST(Multiboot2, BadMeminfoAndRsdpAreSkipped) {
  Mb2Builder b;
  const size_t meminfo = b.tag(kTagBasicMeminfo, {1, 2, 3, 4});
  const size_t small = b.tag(kTagAcpiNew, Mb2Builder::rsdp(1));  // v1-sized in a v2 tag
  auto bad_sig = Mb2Builder::rsdp(1);
  bad_sig[0] = 'X';
  const size_t sig = b.tag(kTagAcpiOld, bad_sig);
  auto long_len = Mb2Builder::rsdp(2);
  long_len[20] = 200;  // length field beyond the tag
  const size_t len = b.tag(kTagAcpiNew, long_len);
  auto bad_sum = Mb2Builder::rsdp(2);
  bad_sum[30] ^= 1;  // breaks only the extended checksum
  const size_t sum = b.tag(kTagAcpiNew, bad_sum);
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r.value().meminfo.present);
  EXPECT_EQ(r.value().rsdp.version, 2);
  EXPECT_FALSE(r.value().rsdp.checksum_ok);  // kept, but marked bad
  EXPECT_NE(summary(r.value()).find("checksum BAD"), std::string::npos);
  expect_warnings(
      r.value(),
      {{kTagBasicMeminfo, static_cast<uint32_t>(meminfo), "basic meminfo tag too small"},
       {kTagAcpiNew, static_cast<uint32_t>(small), "RSDP tag too small"},
       {kTagAcpiOld, static_cast<uint32_t>(sig), "RSDP signature is not \"RSD PTR \""},
       {kTagAcpiNew, static_cast<uint32_t>(len), "RSDP length field does not fit its tag"},
       {kTagAcpiNew, static_cast<uint32_t>(sum), "RSDP checksum mismatch (kept, marked bad)"}});
}

// ---------------------------------------------------------------- capacity limits

TEST(Multiboot2, CapacitiesOverflowIntoCountsAndOneWarning) {
  Mb2Builder b;
  std::vector<MemoryRegion> many;
  for (uint64_t i = 0; i < kMaxMemoryRegions + 5; ++i) many.push_back({i << 20, 1 << 20, 1});
  const size_t mmap = b.mmap(many);
  size_t first_extra_module = 0;
  for (size_t i = 0; i < kMaxModules + 3; ++i) {
    size_t at = b.module(0, 1, "m");
    if (i == kMaxModules) first_extra_module = at;
  }
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().mmap_count, kMaxMemoryRegions);
  EXPECT_EQ(r.value().mmap_dropped, 5u);
  EXPECT_EQ(r.value().module_count, kMaxModules);
  EXPECT_EQ(r.value().modules_dropped, 3u);
  EXPECT_EQ(r.value().usable_bytes(), kMaxMemoryRegions << 20);
  expect_warnings(
      r.value(),
      {{kTagMmap, static_cast<uint32_t>(mmap), "memory map longer than 128 entries; rest dropped"},
       {kTagModule, static_cast<uint32_t>(first_extra_module), "too many modules; extra dropped"}});
}

TEST(Multiboot2, WarningsOverflowIntoACount) {
  Mb2Builder b;
  for (size_t i = 0; i < kMaxWarnings + 4; ++i) b.tag(kTagBasicMeminfo, {});
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().warning_count, kMaxWarnings);
  EXPECT_EQ(r.value().warnings_dropped, 4u);
  EXPECT_TRUE(r.value().end_tag_seen);
  EXPECT_NE(summary(r.value()).find("4 more warnings dropped"), std::string::npos);
}

TEST(Multiboot2, UsableBytesSaturates) {
  Mb2Builder b;
  b.mmap({{0, ~0ull, kMemAvailable}, {0, ~0ull, kMemAvailable}});
  b.end_tag();
  Blob r_blob(b.finish());
  auto r = r_blob.parse();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().usable_bytes(), ~0ull);
}

}  // namespace
}  // namespace glass::mb2
