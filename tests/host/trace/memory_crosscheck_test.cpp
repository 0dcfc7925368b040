// The page-table cross-check against memory must be able to fail: a model built from the
// host kernel is compared with a "guest memory" made from its own entries, then with that
// memory deliberately altered (one entry, CR3, a table the model lacks). Accessed and Dirty set by
// the MMU are not differences. Also QEMU's `xp` and `info registers` text, odd formatting and all.
#include <gtest/gtest.h>

#include <map>

#include "inspector/model/event_text.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/memory_crosscheck.h"
#include "inspector/trace/qemu_monitor.h"
#include "tests/host/telemetry/telemetry_test_support.h"

namespace glass::inspector {
namespace {

struct World {
  StateModel model;
  std::map<uint64_t, PageQuads> memory;  // pfn -> page, as the guest holds it
  uint32_t asid = 0;
  uint64_t root = 0;
  uint64_t reads = 0;

  World() {
    HostKernel k(4096, 17);
    k.handshake();
    asid = k.create_address_space();
    k.map(asid, 0x400000, 40, 0);
    k.map(asid, 0x7f0000000000, 3, 0);
    uint32_t other = k.create_address_space();
    k.map(other, 0x10000000, 600, 0);  // crosses a page-table boundary: two leaf tables
    k.snapshot();
    for (const auto& it : testing::decode_all(k.take_bytes())) model.apply(it);
    EXPECT_EQ(model.sync(), Sync::kSynced);
    root = model.address_spaces().at(asid).root;
    // Guest memory: every node's entries exactly as the model has them.
    for (const auto& [id, as] : model.address_spaces()) copy_tree(as.root);
  }
  void copy_tree(uint64_t pfn) {
    const PtNode* n = model.node(pfn);
    ASSERT_NE(n, nullptr);
    PageQuads q;
    for (size_t i = 0; i < q.size(); ++i) q[i] = n->entries[i];
    memory[pfn] = q;
    for (size_t i = 0; i < q.size(); ++i)
      if ((q[i] & 1) && n->level > 1 && !(q[i] & 0x80))
        copy_tree((q[i] & 0x000ffffffffff000) >> 12);
  }
  ReadPage reader() {
    return [this](uint64_t pfn, PageQuads& out, std::string& error) {
      ++reads;
      auto it = memory.find(pfn);
      if (it == memory.end()) {
        out.fill(0);  // RAM that holds no table reads as zeros
        return true;
      }
      out = it->second;
      return true;
    };
  }
  TableCheck check(uint64_t cr3) {
    return check_tables_against_memory(model, reader(), CpuRoot{cr3, asid});
  }
};

TEST(TraceMemoryCrosscheck, IdenticalMemoryMatchesEveryEntry) {
  World w;
  TableCheck c = w.check(w.root << 12);
  EXPECT_TRUE(c.ok()) << (c.findings.empty() ? c.error : c.findings[0]);
  EXPECT_EQ(c.spaces, 2u);
  EXPECT_EQ(c.nodes, w.model.node_count());
  EXPECT_EQ(c.entries, 512 * w.model.node_count());
  EXPECT_GE(c.cr3_nodes, 4u);  // one per level at least
  EXPECT_EQ(c.mismatches, 0u);
  EXPECT_EQ(w.reads, w.model.node_count()) << "each node read once";
}

TEST(TraceMemoryCrosscheck, AccessedAndDirtyAreNotDifferences) {
  World w;
  for (auto& [pfn, q] : w.memory)
    for (auto& e : q)
      if (e & 1) e |= 0x60;
  EXPECT_TRUE(w.check(w.root << 12).ok());
}

TEST(TraceMemoryCrosscheck, OneAlteredEntryIsFoundAndNamed) {
  World w;
  // The leaf table of 0x400000 in asid's tree: flip its writable bit in memory.
  const WalkAnswer walk = w.model.walk_address(w.asid, 0x405000);
  ASSERT_EQ(walk.levels.size(), 4u);
  const uint64_t table = walk.levels[3].table_pfn;
  const unsigned index = walk.levels[3].index;
  w.memory[table][index] ^= 0x2;
  TableCheck c = w.check(w.root << 12);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.mismatches, 1u);
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_NE(c.findings[0].find("entry " + std::to_string(index)), std::string::npos)
      << c.findings[0];
  EXPECT_NE(c.findings[0].find(hex(table)), std::string::npos) << c.findings[0];
}

TEST(TraceMemoryCrosscheck, AnEntryInAnotherSpaceIsFoundToo) {
  World w;
  for (const auto& [id, as] : w.model.address_spaces()) {
    if (id == w.asid) continue;
    w.memory[as.root][0] = 0x1234007;  // a present table where the model has none
  }
  TableCheck c = w.check(w.root << 12);
  EXPECT_EQ(c.mismatches, 1u);
}

TEST(TraceMemoryCrosscheck, WrongCr3AndForeignTablesAreMismatches) {
  World w;
  uint64_t other_root = 0;
  for (const auto& [id, as] : w.model.address_spaces())
    if (id != w.asid) other_root = as.root;
  TableCheck c = w.check(other_root << 12 | 0x18);  // flag bits in CR3 are ignored
  EXPECT_EQ(c.mismatches, 1u) << "CR3 is not the root of the space the CPU is on";
  // The hardware tree reaches a table the model has never heard of (memory-only pointer).
  World x;
  const WalkAnswer walk = x.model.walk_address(x.asid, 0x405000);
  const uint64_t pd = walk.levels[2].table_pfn;
  const uint64_t stray = 4000;
  x.memory[pd][300] = stray << 12 | 0x3;
  x.memory[stray] = PageQuads{};
  TableCheck d = x.check(x.root << 12);
  EXPECT_EQ(d.mismatches, 2u) << "the entry itself, and a table the model does not hold";
}

TEST(TraceMemoryCrosscheck, AReadFailureStopsTheCheckWithASentence) {
  World w;
  ReadPage failing = [](uint64_t, PageQuads&, std::string& e) {
    e = "xp: no answer";
    return false;
  };
  TableCheck c = check_tables_against_memory(w.model, failing, CpuRoot{w.root << 12, w.asid});
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.error, "xp: no answer");
}

std::string xp_text(uint64_t phys, const PageQuads& q, const char* sep) {
  std::string s = "xp /512gx 0x" + std::to_string(phys) + "\x1b[K\r\n";
  for (size_t i = 0; i < q.size(); i += 2) {
    char line[96];
    std::snprintf(line, sizeof line, "%016llx: 0x%016llx 0x%016llx%s",
                  static_cast<unsigned long long>(phys + i * 8),
                  static_cast<unsigned long long>(q[i]), static_cast<unsigned long long>(q[i + 1]),
                  sep);
    s += line;
  }
  return s;
}

TEST(TraceQemuMonitor, XpPageParsesAllQuadwords) {
  PageQuads q;
  for (size_t i = 0; i < q.size(); ++i) q[i] = 0x8000000000000000ull | i << 12 | 0x63;
  PageQuads out{};
  std::string err;
  ASSERT_TRUE(parse_xp_page(xp_text(0x123000, q, "\r\n"), 0x123000, out, err)) << err;
  EXPECT_EQ(out, q);
  ASSERT_TRUE(parse_xp_page(xp_text(0x123000, q, "\n"), 0x123000, out, err)) << err;
}

TEST(TraceQemuMonitor, XpPageRefusesIncompleteOrForeignAnswers) {
  PageQuads q{};
  PageQuads out;
  std::string err;
  std::string full = xp_text(0x5000, q, "\r\n");
  std::string cut = full.substr(0, full.size() / 2);
  EXPECT_FALSE(parse_xp_page(cut, 0x5000, out, err));
  EXPECT_NE(err.find("of 512"), std::string::npos) << err;
  EXPECT_FALSE(parse_xp_page(xp_text(0x6000, q, "\n"), 0x5000, out, err));
  EXPECT_NE(err.find("outside the page"), std::string::npos) << err;
  EXPECT_FALSE(parse_xp_page(full + full.substr(full.find('\n') + 1, 60), 0x5000, out, err));
  EXPECT_FALSE(parse_xp_page("Cannot access memory\n", 0x5000, out, err));
  std::string bad = full;
  bad.replace(bad.find("0x0000000000000000"), 18, "0xZZ00000000000000");
  EXPECT_FALSE(parse_xp_page(bad, 0x5000, out, err));
  EXPECT_NE(err.find("cannot read"), std::string::npos) << err;
}

TEST(TraceQemuMonitor, Cr3FromInfoRegisters) {
  const std::string regs =
      "\x1b[Dinfo registers\x1b[K\r\nCPU#0\r\nRAX=0000000000000000 RBX=0000000000000001\r\n"
      "CR0=80010033 CR2=0000000000000000 CR3=000000000012a000 CR4=00000620\r\n"
      "XCR0=0000000000000007\r\n";
  auto cr3 = parse_cr3(regs);
  ASSERT_TRUE(cr3.has_value());
  EXPECT_EQ(*cr3, 0x12a000u);
  EXPECT_FALSE(parse_cr3("no registers here\n").has_value());
  EXPECT_FALSE(parse_cr3("XCR3=0000\n").has_value());
}

TEST(TraceQemuMonitor, TerminalEscapesAreStripped) {
  EXPECT_EQ(strip_terminal("x\x1b[K\x1b[Dxp\x1b[K\r\nok\r\n"), "xxp\nok\n");
}

}  // namespace
}  // namespace glass::inspector
