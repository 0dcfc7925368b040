// What block reports (block/block_events.h) while a listener records: each request's life, in
// order, with its sector, length and buffer frames — dispatch (tag taken, refcount 2), the
// device's answer, the end (refcount 0, tag free): three records, no more; a lookup's and a drop's
// refcount changes; a timeout. Nothing is reported while nobody records.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "block/block_events.h"
#include "protocol/event_ring.h"
#include "telemetry/recorder.h"
#include "tests/host/block/block_fixture.h"

namespace glass::block::testing {
namespace {

using telemetry::MsgType;
using telemetry::Record;

class BlockEvents : public BlockTest {
 protected:
  void SetUp() override {
    BlockTest::SetUp();
    storage_.resize(4096);
    ring_.attach(storage_.data(), 4096);
    telemetry::recorder::start(&ring_, false);
  }
  void TearDown() override {
    telemetry::recorder::stop();
    BlockTest::TearDown();
  }
  // The block records queued since the last call (mm's own records are skipped).
  std::vector<Record> block_records() {
    std::vector<Record> out;
    Record r;
    while (ring_.pop(r)) {
      const auto t = static_cast<uint8_t>(r.type);
      if (t >= 0x40 && t <= 0x4f) out.push_back(r);
    }
    return out;
  }
  static std::vector<MsgType> types(const std::vector<Record>& rs) {
    std::vector<MsgType> out;
    for (const Record& r : rs) out.push_back(r.type);
    return out;
  }

  std::vector<Record> storage_;
  telemetry::EventRing ring_;
  Waiter waiter_;
};

TEST_F(BlockEvents, AnInlineRequestsLifeInOrder) {
  BlockBuffer b = make_buffer(2, 1);
  const uint64_t pfn = b.phys() >> mm::kFrameShift;
  (void)block_records();
  ASSERT_TRUE(disk_->write(40, 12, b, 0, waiter_).is_ok());
  ASSERT_TRUE(waiter_.wait([] {}).is_ok());
  b = waiter_.take_buffer();
  const auto rs = block_records();
  // Dispatch says the tag was taken and refcount 2, the end says refcount 0 and the tag free: no
  // block_tag, block_ref or block_tag_free of their own (the per-request cost with a host
  // attached).
  EXPECT_EQ(types(rs),
            (std::vector{MsgType::kBlockDispatch, MsgType::kBlockDeviceDone, MsgType::kBlockEnd}));
  ASSERT_EQ(rs.size(), 3u);
  const auto& d = rs[0].block_dispatch;
  EXPECT_EQ(d.disk, disk_->id());
  EXPECT_EQ(d.op, 1u);
  EXPECT_EQ(d.sector, 40u);
  EXPECT_EQ(d.sectors, 12u);
  EXPECT_EQ(d.buffer, pfn);
  EXPECT_EQ(d.frames, 2u);
  EXPECT_EQ(rs[1].block_device_done.status, 0u);
  EXPECT_EQ(rs[2].block_end.status, 0u);
  EXPECT_EQ(rs[2].block_end.buffer, pfn);
  EXPECT_EQ(rs[2].block_end.sector, 40u);
  for (const Record& r : rs)
    EXPECT_EQ(r.block_tag.tag, rs[0].block_dispatch.tag) << "one tag throughout";
}

TEST_F(BlockEvents, ByTagCompletionAndTimeoutReportEveryRefcountChange) {
  ramdisk_->set_mode(Ramdisk::Mode::kDeferredTag);
  BlockBuffer b = make_buffer(1, 1);
  (void)block_records();
  ASSERT_TRUE(disk_->read(0, 1, b, 0, waiter_).is_ok());
  EXPECT_EQ(ramdisk_->drain(), 1u);
  ASSERT_TRUE(waiter_.wait([] {}).is_ok());
  b = waiter_.take_buffer();
  std::vector<uint32_t> counts;
  for (const Record& r : block_records())
    if (r.type == MsgType::kBlockRef) counts.push_back(r.block_ref.refcount);
  // (dispatch: 2) the driver drops to 1, the drain's lookup 2 (end: 0).
  EXPECT_EQ(counts, (std::vector<uint32_t>{1, 2}));

  ramdisk_->set_mode(Ramdisk::Mode::kNeverAnswers);
  ASSERT_TRUE(disk_->read(0, 1, b, 0, waiter_).is_ok());
  EXPECT_EQ(disk_->expire(~uint64_t{0}), 1u);
  EXPECT_TRUE(waiter_.wait([] {}).is_error());
  b = waiter_.take_buffer();
  const auto rs = block_records();
  const auto ts = types(rs);
  EXPECT_EQ(std::count(ts.begin(), ts.end(), MsgType::kBlockTimeout), 1);
  EXPECT_EQ(std::count(ts.begin(), ts.end(), MsgType::kBlockDeviceDone), 0);
  ASSERT_FALSE(rs.empty());
  const Record& end = rs.back();
  ASSERT_EQ(end.type, MsgType::kBlockEnd);
  EXPECT_EQ(end.block_end.status, telemetry::block_events::status_of(false, Error::kBusy));
}

TEST_F(BlockEvents, NothingIsReportedWhileNobodyRecords) {
  telemetry::recorder::stop();
  (void)block_records();
  BlockBuffer b = make_buffer(1, 1);
  ASSERT_TRUE(disk_->read(0, 1, b, 0, waiter_).is_ok());
  ASSERT_TRUE(waiter_.wait([] {}).is_ok());
  b = waiter_.take_buffer();
  EXPECT_TRUE(block_records().empty());
  telemetry::recorder::start(&ring_, false);
}

}  // namespace
}  // namespace glass::block::testing
