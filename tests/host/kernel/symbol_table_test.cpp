// The backtrace symbol map: exact lookups, and malformed module contents are skipped, never
// trusted (the module comes from the boot disk, i.e. from outside the kernel).
#include "kernel/boot/symbol_table.h"

#include <gtest/gtest.h>

#include <string>

namespace glass {
namespace {

std::string name_of(const SymbolHit& h) {
  return std::string(h.name, h.name_len);
}

TEST(SymbolTable, FindsTheSymbolHoldingAnAddress) {
  const std::string text =
      "ffffffff80100000 20 kernel_start\n"
      "ffffffff80100020 10 glass::panic(char const*, ...)\n"
      "ffffffff80100040 8 tail\n";
  SymbolTable t;
  t.init(text.data(), text.size());
  EXPECT_EQ(t.count(), 3u);
  SymbolHit h;
  ASSERT_TRUE(t.lookup(0xffffffff80100000, &h));
  EXPECT_EQ(name_of(h), "kernel_start");
  EXPECT_EQ(h.offset, 0u);
  ASSERT_TRUE(t.lookup(0xffffffff8010002f, &h));
  EXPECT_EQ(name_of(h), "glass::panic(char const*, ...)");
  EXPECT_EQ(h.offset, 0xfu);
  EXPECT_FALSE(t.lookup(0xffffffff80100030, &h));  // gap between symbols
  EXPECT_FALSE(t.lookup(0xffffffff80100048, &h));  // one past the last
}

TEST(SymbolTable, EmptyTableFindsNothing) {
  SymbolTable t;
  SymbolHit h;
  EXPECT_FALSE(t.loaded());
  EXPECT_FALSE(t.lookup(0x1000, &h));
  EXPECT_EQ(t.count(), 0u);
}

TEST(SymbolTable, MalformedLinesAreSkipped) {
  const std::string text =
      "zzzz 10 bad_hex\n"
      "1000\n"
      "1000 10\n"
      "11111111111111111 10 too_many_digits\n"
      " 10 missing_address\n"
      "2000 10 good\n"
      "\n"
      "3000 10 last_without_newline";
  SymbolTable t;
  t.init(text.data(), text.size());
  EXPECT_EQ(t.count(), 2u);
  SymbolHit h;
  ASSERT_TRUE(t.lookup(0x2005, &h));
  EXPECT_EQ(name_of(h), "good");
  ASSERT_TRUE(t.lookup(0x3000, &h));
  EXPECT_EQ(name_of(h), "last_without_newline");
  EXPECT_FALSE(t.lookup(0x1005, &h));
}

TEST(SymbolTable, NeverReadsPastItsBuffer) {
  // The buffer ends mid-line with no NUL; ASan catches any read past it.
  const char raw[] = {'4', '0', ' ', '8', ' ', 'a', 'b'};
  auto* heap = new char[sizeof raw];
  std::copy(raw, raw + sizeof raw, heap);
  SymbolTable t;
  t.init(heap, sizeof raw);
  SymbolHit h;
  ASSERT_TRUE(t.lookup(0x41, &h));
  EXPECT_EQ(name_of(h), "ab");
  delete[] heap;
}

}  // namespace
}  // namespace glass
