// mb2::parse on real input: every tests/host/data/mb2/*.bin against its .expect file (format in
// tests/host/data/mb2/README.md), and the checked-in synthetic blob kept equal to the builder's.
#include "kernel/boot/multiboot2.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/host/boot/mb2_builder.h"
#include "tests/host/boot/mb2_test_support.h"

namespace glass::mb2 {
namespace {

using testing::Blob;
using testing::summary;

std::filesystem::path data_dir() {
  if (const char* env = getenv("GLASS_SOURCE_DIR"))
    return std::filesystem::path(env) / "tests/host/data/mb2";
  // __FILE__ is relative to the top of the tree when SCons builds (and the binary runs from there).
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "mb2";
}

// .expect format: one "key value" per line; '#' starts a comment. Every key present is checked,
// an unknown key fails (so a typo cannot silently check nothing). See
// tests/host/data/mb2/README.md.
void check_expectations(const BootInfo& info, const std::filesystem::path& expect_path) {
  std::ifstream in(expect_path);
  ASSERT_TRUE(in) << "missing " << expect_path;
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.find(' ');
    const std::string key = line.substr(0, sp);
    const std::string value = sp == std::string::npos ? "" : line.substr(sp + 1);
    SCOPED_TRACE(expect_path.string() + ": " + line);
    ++checked;
    auto num = [&] { return std::stoull(value, nullptr, 0); };
    if (key == "total_size") {
      EXPECT_EQ(info.total_size, num());
    } else if (key == "mmap_entries") {
      EXPECT_EQ(info.mmap_count, num());
    } else if (key == "usable_bytes") {
      EXPECT_EQ(info.usable_bytes(), num());
    } else if (key == "cmdline") {
      ASSERT_NE(info.cmdline, nullptr);
      EXPECT_EQ(std::string(info.cmdline), value);
    } else if (key == "no_cmdline") {
      EXPECT_EQ(info.cmdline, nullptr);
    } else if (key == "bootloader") {
      ASSERT_NE(info.boot_loader_name, nullptr);
      EXPECT_EQ(std::string(info.boot_loader_name), value);
    } else if (key == "modules") {
      EXPECT_EQ(info.module_count, num());
    } else if (key == "rsdp_version") {
      EXPECT_EQ(info.rsdp.version, num());
    } else if (key == "rsdp_checksum") {
      EXPECT_EQ(info.rsdp.checksum_ok ? "ok" : "bad", value);
    } else if (key == "meminfo") {
      std::istringstream v(value);
      uint32_t lower = 0, upper = 0;
      v >> lower >> upper;
      EXPECT_TRUE(info.meminfo.present);
      EXPECT_EQ(info.meminfo.mem_lower_kib, lower);
      EXPECT_EQ(info.meminfo.mem_upper_kib, upper);
    } else if (key == "end_tag") {
      EXPECT_EQ(info.end_tag_seen ? "yes" : "no", value);
    } else if (key == "warnings") {
      EXPECT_EQ(info.warning_count + info.warnings_dropped, num()) << summary(info);
    } else {
      ADD_FAILURE() << "unknown key '" << key << "'";
    }
  }
  EXPECT_GT(checked, 0) << expect_path << " checks nothing";
}

TEST(Multiboot2Captured, EveryBlobMatchesItsExpectations) {
  const auto dir = data_dir();
  ASSERT_TRUE(std::filesystem::is_directory(dir))
      << dir << " not found; run from the top of the tree or set GLASS_SOURCE_DIR";
  int blobs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".bin") continue;
    SCOPED_TRACE(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    Blob blob(bytes);
    auto r = blob.parse();
    ASSERT_TRUE(r.is_ok()) << "header rejected: " << error_name(r.error());
    auto expect = entry.path();
    expect.replace_extension(".expect");
    check_expectations(r.value(), expect);
    printf("%s", summary(r.value()).c_str());
    ++blobs;
  }
  if (blobs == 0) printf("note: no captured multiboot2 blobs in %s\n", dir.c_str());
  EXPECT_GE(blobs, 1) << "the synthetic blob at least should be there";
}

TEST(Multiboot2Captured, SyntheticBlobOnDiskMatchesTheBuilder) {
  // Keeps the checked-in synthetic blob honest. To regenerate it, run the host test binary with
  // --gtest_also_run_disabled_tests --gtest_filter=Multiboot2Captured.DISABLED_WriteSyntheticBlob
  std::ifstream in(data_dir() / "synthetic_qemu_512m.bin", std::ios::binary);
  ASSERT_TRUE(in);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, testing::synthetic_qemu_512m_blob());
}

TEST(Multiboot2Captured, DISABLED_WriteSyntheticBlob) {
  const auto blob = testing::synthetic_qemu_512m_blob();
  std::ofstream out(data_dir() / "synthetic_qemu_512m.bin", std::ios::binary);
  out.write(reinterpret_cast<const char*>(blob.data()), static_cast<std::streamsize>(blob.size()));
  ASSERT_TRUE(out);
}

}  // namespace
}  // namespace glass::mb2
