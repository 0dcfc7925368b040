// Small stable names (issue 16, item 4): the kernel's address space is "kernel", the others
// "demo 1", "demo 2" in the order first seen in a boot; cursors are numbered from 1 per boot in
// the order they began, a snapshot re-sending them keeps their numbers, a new boot starts again.
#include <gtest/gtest.h>

#include <algorithm>

#include "inspector/model/names.h"

#include "inspector/view/event_names.h"
#include "mm/phys/owner.h"
#include "tests/host/inspector/view_test_support.h"

namespace glass::inspector {
namespace {

using testing::Wire;

TEST(Names, SpacesAreKernelAndDemoNInTheOrderSeen) {
  Wire w;
  w.space(mm::kOwnerKernel);
  w.space(0x10100);
  w.space(0x10300);
  w.space(0x10200);
  const StateModel m = w.model();
  EXPECT_EQ(m.names().space(mm::kOwnerKernel), "kernel");
  EXPECT_EQ(m.names().space(0x10100), "demo 1");
  EXPECT_EQ(m.names().space(0x10300), "demo 2");
  EXPECT_EQ(m.names().space(0x10200), "demo 3");
  EXPECT_EQ(m.names().space(0x999), "space 0x999");
  EXPECT_EQ(m.names().owner(0x10300), "demo 2 (0x10300)");
  EXPECT_EQ(m.names().owner(mm::kOwnerKernel), "kernel");
  EXPECT_EQ(m.names().owner(mm::kOwnerFirmware), "firmware");
  EXPECT_EQ(m.names().owner(0x1234), "0x1234");
}

TEST(Names, CursorsAreNumberedFromOnePerBootAndKeepTheirNumberAcrossASnapshot) {
  Wire w;
  w.space(1);
  w.cursor(130943, 0, 1, 0x400000, 0x401000, 10);
  w.cursor(130950, 0, 1, 0x800000, 0x801000, 11);
  w.cursor_end(130943, 12);
  w.cursor(130960, 0, 1, 0x900000, 0x901000, 13);
  {
    const StateModel m = w.model();
    EXPECT_EQ(m.names().cursor_number(130950), 2u);
    EXPECT_EQ(m.names().cursor_number(130960), 3u);
    EXPECT_EQ(m.names().cursor_number(130943), 0u);  // ended: no longer named
    EXPECT_EQ(m.names().cursor(130960), "cursor 3");
    EXPECT_EQ(m.names().cursor(5), "cursor #5");
  }
  // A snapshot re-sends the live cursors: the same numbers.
  w.snapshot_begin(2);
  w.space(1);
  w.cursor(130950, 0, 1, 0x800000, 0x801000, 11);
  w.cursor(130960, 0, 1, 0x900000, 0x901000, 13);
  const StateModel m = w.model();
  EXPECT_EQ(m.names().cursor_number(130950), 2u);
  EXPECT_EQ(m.names().cursor_number(130960), 3u);
}

TEST(Names, TimelineEventsCarryTheNamesOfWhatTheyNumber) {
  Wire w;
  w.space(mm::kOwnerKernel);
  w.space(0x10100);
  w.frames(0x300, 4, testing::kind(mm::FrameKind::kLarge), 0x10100);
  w.cursor(130943, 0, 0x10100, 0x400000, 0x401000, 10);
  const auto bytes = w.bytes();
  StateModel m;
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(bytes.data(), bytes.size(), items);
  d.finish(items);
  for (const auto& it : items) m.apply(it);
  std::vector<std::string> named;
  for (const auto& it : items)
    if (auto s = view::event_names(it, m.names()); !s.empty()) named.push_back(s);
  EXPECT_NE(std::find(named.begin(), named.end(), "owner demo 1 (0x10100)"), named.end());
  EXPECT_NE(std::find(named.begin(), named.end(), "cursor 1, demo 1"), named.end());
  EXPECT_NE(std::find(named.begin(), named.end(), "kernel"), named.end());
}

TEST(Names, ANewBootStartsAgain) {
  Names n;
  n.saw_space(0x10100);
  n.saw_space(0x10200);
  n.cursor_began(9);
  n.cursor_began(10);
  n.reset_boot();
  n.saw_space(0x10200);
  n.cursor_began(10);
  EXPECT_EQ(n.space(0x10200), "demo 1");
  EXPECT_EQ(n.cursor_number(10), 1u);
}

}  // namespace
}  // namespace glass::inspector
