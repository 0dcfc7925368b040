// The model's v3 state and what the views need from it: which node a cursor waits for, folio
// refcounts, the latest kernel time, a deep copy for keyframes, and log/KTAP/panic in arrival
// order.
#include <gtest/gtest.h>

#include "tests/host/inspector/view_test_support.h"

namespace glass::inspector {
namespace {

using testing::Wire;

TEST(ModelLockWaiting, WaitIsRecordedAndClearedByTheNextAcquisition) {
  Wire w;
  w.space(1);
  w.cursor(10, 0, 1, 0x400000, 0x600000, 100);
  w.cursor(11, 1, 1, 0x400000, 0x600000, 110);
  w.lock(10, w.root(1), 0, 120);
  w.wait(11, w.root(1), 130);
  StateModel waiting = w.model();
  ASSERT_EQ(waiting.waiting().count(11), 1u);
  EXPECT_EQ(waiting.waiting().at(11).node, w.root(1));
  EXPECT_EQ(waiting.waiting().at(11).since_ns, 130u);
  EXPECT_EQ(waiting.waiting().count(10), 0u);
  w.unlock(10, w.root(1), 200);
  w.lock(11, w.root(1), 70, 200);
  StateModel after = w.model();
  EXPECT_TRUE(after.waiting().empty());
  EXPECT_EQ(after.cursors().at(11).waited_ns, 70u);
  EXPECT_EQ(after.counters().problems, 0u);
}

TEST(ModelLockWaiting, CursorEndClearsItsWait) {
  Wire w;
  w.space(1);
  w.cursor(11, 1, 1, 0x400000, 0x600000, 110);
  w.wait(11, w.root(1), 130);
  w.cursor_end(11, 140);
  StateModel m = w.model();
  EXPECT_TRUE(m.waiting().empty());
  EXPECT_EQ(m.counters().problems, 0u);
}

TEST(ModelLockWaiting, WaitOfAnUnknownCursorIsAProblem) {
  Wire w;
  w.space(1);
  w.wait(99, w.root(1), 130);
  StateModel m = w.model();
  EXPECT_TRUE(m.waiting().empty());
  ASSERT_EQ(m.problems().size(), 1u);
  EXPECT_NE(m.problems()[0].what.find("unknown cursor 99 waits"), std::string::npos)
      << m.problems()[0].what;
}

TEST(ModelLockWaiting, WaitForANodeItHoldsIsAProblem) {
  Wire w;
  w.space(1);
  w.cursor(10, 0, 1, 0x400000, 0x600000, 100);
  w.lock(10, w.root(1), 0, 120);
  w.wait(10, w.root(1), 130);
  StateModel m = w.model();
  ASSERT_EQ(m.problems().size(), 1u);
  EXPECT_NE(m.problems()[0].what.find("already holds"), std::string::npos);
}

TEST(ModelFolioRef, RefcountsAreKeptUpdatedAndZeroRemoves) {
  Wire w;
  w.folio(0x200, 4, 1);
  w.folio(0x300, 1, 3);
  w.folio(0x200, 4, 2);  // a second reference to the same folio
  StateModel m = w.model();
  ASSERT_EQ(m.folios().size(), 2u);
  EXPECT_EQ(m.folios().at(0x200).count, 4u);
  EXPECT_EQ(m.folios().at(0x200).refcount, 2u);
  ASSERT_TRUE(m.folio_of(0x203).has_value());
  EXPECT_EQ(m.folio_of(0x203)->first, 0x200u);
  EXPECT_FALSE(m.folio_of(0x204).has_value());
  EXPECT_FALSE(m.folio_of(0x1ff).has_value());
  w.folio(0x200, 4, 0);
  StateModel freed = w.model();
  EXPECT_EQ(freed.folios().count(0x200), 0u);
  EXPECT_EQ(freed.folios().count(0x300), 1u);
  EXPECT_EQ(freed.counters().problems, 0u);
  // Not part of the digest: the kernel does not hash refcounts.
  EXPECT_EQ(freed.digest(), freed.recompute_digest());
}

TEST(ModelFolioRef, SnapshotBeginForgetsFolios) {
  Wire w;
  w.folio(0x200, 4, 1);
  w.snapshot_begin(2);
  EXPECT_TRUE(w.model().folios().empty());
}

TEST(ModelFolioRef, OverlapAndBeyondTheFramesAreProblems) {
  Wire over;
  over.folio(0x200, 4, 1);
  over.folio(0x202, 2, 1);
  StateModel m = over.model();
  ASSERT_EQ(m.problems().size(), 1u);
  EXPECT_NE(m.problems()[0].what.find("overlaps"), std::string::npos);
  EXPECT_EQ(m.folios().size(), 1u);

  Wire beyond(1024);
  beyond.folio(1020, 8, 1);
  StateModel b = beyond.model();
  ASSERT_EQ(b.problems().size(), 1u);
  EXPECT_NE(b.problems()[0].what.find("beyond"), std::string::npos);
  EXPECT_TRUE(b.folios().empty());
}

TEST(ModelTime, LastTimeIsTheLatestKernelTimestamp) {
  Wire w;
  w.space(1);
  EXPECT_EQ(w.model().last_t_ns(), 0u);
  w.cursor(10, 0, 1, 0x400000, 0x401000, 5000);
  w.lock(10, w.root(1), 0, 6000);
  w.log("later", 9000);
  w.unlock(10, w.root(1), 7000);  // another cpu's older event arriving late: now stays 9000
  EXPECT_EQ(w.model().last_t_ns(), 9000u);
}

std::vector<StreamItem> decode(const std::vector<uint8_t>& b) {
  StreamDecoder d;
  std::vector<StreamItem> v;
  d.feed(b.data(), b.size(), v);
  return v;
}

TEST(ModelCopy, ACloneIsDeepAndDoesNotMoveWithTheOriginal) {
  Wire w;
  w.space(1);
  uint64_t t = w.map(1, 0x400000, 1, 0x500000, Wire::kW);
  w.folio(0x500, 1, 1);
  w.log("one", 10);
  auto first = decode(w.bytes());
  StateModel m;
  for (const auto& it : first) m.apply(it);
  StateModel copy = m.clone();
  EXPECT_EQ(copy.digest(), m.digest());
  ASSERT_NE(copy.node(t), nullptr);
  EXPECT_NE(copy.node(t), m.node(t));  // its own node, not a shared one
  EXPECT_EQ(copy.node(t)->entries, m.node(t)->entries);
  // Move the original on: the copy must not change.
  w.map(1, 0x401000, 1, 0x501000, Wire::kW);
  w.folio(0x500, 1, 2);
  w.log("two", 20);
  auto all = decode(w.bytes());
  ASSERT_GT(all.size(), first.size());
  for (size_t i = first.size(); i < all.size(); ++i) m.apply(all[i]);
  EXPECT_NE(m.node(t)->entries[1], 0u);
  EXPECT_EQ(copy.node(t)->entries[1], 0u);
  EXPECT_EQ(copy.folios().at(0x500).refcount, 1u);
  EXPECT_EQ(copy.journal().size(), 1u);
  EXPECT_NE(copy.digest(), m.digest());
  EXPECT_EQ(copy.digest(), copy.recompute_digest());
}

TEST(ModelJournal, LogKtapAndPanicKeepArrivalOrder) {
  Wire w;
  w.log("booting", 10);
  w.ktap(telemetry::KtapStatus::kOk, 1, "frames");
  w.log("between", 20);
  w.ktap(telemetry::KtapStatus::kNotOk, 2, "pt");
  w.panic(0, 30, "page fault at 0x0");
  StateModel m = w.model();
  ASSERT_EQ(m.journal().size(), 5u);
  using K = JournalEntry::Kind;
  EXPECT_EQ(m.journal()[0].kind, K::kLog);
  EXPECT_EQ(m.journal()[1].kind, K::kKtap);
  EXPECT_EQ(m.journal()[2].text, "between");
  EXPECT_EQ(m.journal()[3].ktap, telemetry::KtapStatus::kNotOk);
  EXPECT_EQ(m.journal()[4].kind, K::kPanic);
  EXPECT_EQ(m.journal()[4].t_ns, 30u);
  // The per-kind views stay as they were.
  EXPECT_EQ(m.log().size(), 2u);
  EXPECT_EQ(m.ktap().size(), 2u);
  EXPECT_EQ(*m.panic_message(), "page fault at 0x0");
}

}  // namespace
}  // namespace glass::inspector
