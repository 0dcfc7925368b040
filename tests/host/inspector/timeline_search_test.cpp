// "When did VA X get mapped / frame N change owner?" (issue 16, item 5): the event found is the
// one a fresh replay shows the change at: not mapped (or the old owner) after the event before
// it, mapped (the new owner) after it. A snapshot re-sending the state is no change.
#include "inspector/view/timeline_search.h"

#include <gtest/gtest.h>

#include "inspector/trace/host_kernel.h"
#include "inspector/trace/trace_file.h"

namespace glass::inspector::view {
namespace {

std::vector<uint8_t> trace(uint32_t& asid) {
  HostKernel k(4096 + 40 * 40, 9);
  k.handshake();
  asid = k.create_address_space();
  k.map(asid, 0x400000, 8, 0);
  k.snapshot();
  k.random_activity(30);
  k.map(asid, 0x40000000, 4, 0);  // mapped after the snapshot
  k.snapshot();                   // re-sends it: not a change
  k.random_activity(10);
  k.send_digest();
  k.flush();
  auto file = trace_header(telemetry::kProtocolVersion, 1);
  auto body = k.take_bytes();
  file.insert(file.end(), body.begin(), body.end());
  return file;
}

StateModel fresh(const Timeline& tl, size_t upto) {
  StateModel m;
  for (size_t i = 0; i <= upto; ++i) m.apply(tl.item(i));
  return m;
}

TEST(TimelineSearch, FindsTheEventAtWhichAnAddressGetsMapped) {
  uint32_t asid = 0;
  Timeline tl;
  std::string msg;
  ASSERT_TRUE(tl.load(trace(asid), msg)) << msg;
  const uint64_t va = 0x40002000;
  auto hit = find_next_mapped(tl, 0, std::nullopt, va);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->asid, asid);
  EXPECT_NE(fresh(tl, hit->event - 1).walk_address(asid, va).status, telemetry::WalkStatus::kLeaf);
  EXPECT_EQ(fresh(tl, hit->event).walk_address(asid, va).status, telemetry::WalkStatus::kLeaf);
  // Searching on from there: the second snapshot re-sends it, which is no new mapping.
  EXPECT_FALSE(find_next_mapped(tl, hit->event, asid, va).has_value());
  // In the right space only.
  EXPECT_FALSE(find_next_mapped(tl, 0, asid + 12345, va).has_value());
}

TEST(TimelineSearch, FindsTheEventAtWhichAFrameChangesOwner) {
  uint32_t asid = 0;
  Timeline tl;
  std::string msg;
  ASSERT_TRUE(tl.load(trace(asid), msg)) << msg;
  // The frame the late mapping's first page got.
  const StateModel end = fresh(tl, tl.event_count() - 1);
  const WalkAnswer w = end.walk_address(asid, 0x40000000);
  ASSERT_EQ(w.status, telemetry::WalkStatus::kLeaf);
  const uint64_t pfn = (w.levels.back().entry & 0x000ffffffffff000ull) >> 12;
  size_t from = 0;
  // Its last change before the end is the late map's allocation: walk the changes to it.
  std::optional<SearchHit> last;
  while (auto hit = find_next_owner_change(tl, from, pfn)) {
    const auto before = fresh(tl, hit->event - 1).frames()[pfn];
    const auto after = fresh(tl, hit->event).frames()[pfn];
    EXPECT_TRUE(before.kind != after.kind || before.owner != after.owner) << hit->event;
    last = hit;
    from = hit->event;
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(fresh(tl, last->event).frames()[pfn].kind, end.frames()[pfn].kind);
  EXPECT_EQ(fresh(tl, last->event).frames()[pfn].owner, end.frames()[pfn].owner);
}

}  // namespace
}  // namespace glass::inspector::view
