// Address spaces and VMAs on the host: demand-zero faults backed by folios, unmap and protect with
// VMA splitting, the exact error for every bad request, the kernel half refused, nothing leaked.
#include "mm/virt/address_space.h"

#include <vector>

#include "mm/virt/kernel_space.h"
#include "protocol/event_ring.h"
#include "telemetry/recorder.h"
#include "tests/host/pt/pt_fixture.h"

namespace glass::mm::testing {
namespace {

constexpr uint64_t kA = 0x10000000;

class AddressSpaceTest : public PtTest {
 protected:
  void SetUp() override {
    PtTest::SetUp();
    activate_test_kernel_space();
    if (HasFatalFailure()) return;
    pt_frames_ = page_table_frames();
    folios_ = folio_frames();
  }
  void TearDown() override {
    EXPECT_EQ(page_table_frames(), pt_frames_) << "page-table frames leaked";
    EXPECT_EQ(folio_frames(), folios_) << "folios leaked";
    PtTest::TearDown();
  }
  static uint64_t folio_frames() { return stats().kind_frames[index(FrameKind::kFolio)]; }

  uint64_t pt_frames_ = 0;
  uint64_t folios_ = 0;
};

constexpr uint64_t kNotPresentWrite = 2, kNotPresentRead = 0, kProtectionWrite = 3;

TEST_F(AddressSpaceTest, DemandZeroFaultsFillPages) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  {
    MmapWriteGuard w(*as);
    ASSERT_TRUE(w.map(VmaNew::anonymous(kA, 16 * kFrameSize, Prot{true, false}).value()).is_ok());
  }
  as->activate();
  EXPECT_TRUE(as->active());
  EXPECT_EQ(platform::current_root(), as->page_table().root_phys());
  EXPECT_TRUE(handle_page_fault(kA + 0x1234, kNotPresentWrite));
  EXPECT_TRUE(handle_page_fault(kA + 0x5000, kNotPresentRead));
  EXPECT_EQ(folio_frames(), folios_ + 2);
  const Mapping m = translate(as->page_table(), kA + 0x1000).value();
  ASSERT_TRUE(m.mapped);
  EXPECT_TRUE(m.prop.user);
  EXPECT_TRUE(m.prop.write);
  EXPECT_FALSE(m.prop.exec);
  const auto* bytes = static_cast<const uint8_t*>(platform::phys_to_virt(m.phys));
  for (size_t i = 0; i < kFrameSize; ++i) ASSERT_EQ(bytes[i], 0);
  // A second fault on a filled page (another CPU won the race) changes nothing.
  EXPECT_TRUE(handle_page_fault(kA + 0x1000, kNotPresentWrite));
  EXPECT_EQ(folio_frames(), folios_ + 2);
  // Not ours to fix: outside any VMA, protection violations, the kernel half.
  EXPECT_FALSE(handle_page_fault(kA + 16 * kFrameSize, kNotPresentRead));
  EXPECT_FALSE(handle_page_fault(kA, kProtectionWrite));
  EXPECT_FALSE(handle_page_fault(0xffff800000001000ull, kNotPresentRead));
  EXPECT_FALSE(handle_page_fault(kA, 16 | kNotPresentRead));  // fetch from a non-exec VMA
}

TEST_F(AddressSpaceTest, FaultUnderTheWriteLockIsNotResolved) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  MmapWriteGuard w(*as);
  ASSERT_TRUE(w.map(VmaNew::anonymous(kA, kFrameSize, Prot{true, false}).value()).is_ok());
  as->activate();
  // The faulting code itself holds the write lock: waiting for it would hang forever.
  EXPECT_FALSE(handle_page_fault(kA, kNotPresentWrite));
  MmapReadGuard r(*as, MmapReadGuard::TryOnly{});
  EXPECT_FALSE(r.held());
  EXPECT_EQ(r.fault_in(kA, true).error(), Error::kBusy);
}

TEST_F(AddressSpaceTest, NoFaultHandlingWithoutAnActiveSpace) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  {
    MmapWriteGuard w(*as);
    ASSERT_TRUE(w.map(VmaNew::anonymous(kA, kFrameSize, Prot{true, false}).value()).is_ok());
  }
  EXPECT_FALSE(handle_page_fault(kA, kNotPresentWrite));
}

TEST_F(AddressSpaceTest, ReadOnlyVmaRefusesWriteFaults) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  {
    MmapWriteGuard w(*as);
    ASSERT_TRUE(w.map(VmaNew::anonymous(kA, kFrameSize, Prot{false, false}).value()).is_ok());
  }
  as->activate();
  EXPECT_FALSE(handle_page_fault(kA, kNotPresentWrite));
  EXPECT_TRUE(handle_page_fault(kA, kNotPresentRead));
  EXPECT_FALSE(translate(as->page_table(), kA).value().prop.write);
}

TEST_F(AddressSpaceTest, UnmapAndProtectSplitVmas) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  MmapWriteGuard w(*as);
  ASSERT_TRUE(
      w.map(std::move(
                VmaNew::anonymous(kA, 8 * kFrameSize, Prot{true, false}).value().populate(true)))
          .is_ok());
  EXPECT_EQ(folio_frames(), folios_ + 8);
  ASSERT_TRUE(w.protect(kA + 2 * kFrameSize, 2 * kFrameSize, Prot{false, false}).is_ok());
  EXPECT_EQ(w.vma_count(), 3u);
  EXPECT_FALSE(translate(as->page_table(), kA + 2 * kFrameSize).value().prop.write);
  EXPECT_TRUE(translate(as->page_table(), kA + 4 * kFrameSize).value().prop.write);
  auto prot = w.with_vma(kA + 3 * kFrameSize, [](VmaRef v) { return v.prot(); });
  ASSERT_TRUE(prot.is_ok());
  EXPECT_FALSE(prot.value().write);
  ASSERT_TRUE(w.unmap(kA + 5 * kFrameSize, kFrameSize).is_ok());
  EXPECT_EQ(w.vma_count(), 4u);
  EXPECT_EQ(folio_frames(), folios_ + 7);
  EXPECT_FALSE(translate(as->page_table(), kA + 5 * kFrameSize).value().mapped);
  EXPECT_EQ(w.with_vma(kA + 5 * kFrameSize, [](VmaRef) {}).error(), Error::kNotFound);
  // A mutable view: drop the pages of one VMA but keep it.
  ASSERT_TRUE(w.with_vma_mut(kA, [](VmaMut& v) { return v.zap(); }).is_ok());
  EXPECT_EQ(folio_frames(), folios_ + 5);
  EXPECT_EQ(w.vma_count(), 4u);
  ASSERT_TRUE(w.with_vma_mut(kA + 6 * kFrameSize, [](VmaMut& v) {
                 return v.protect(Prot{false, true});
               }).is_ok());
  EXPECT_TRUE(translate(as->page_table(), kA + 7 * kFrameSize).value().prop.exec);
  EXPECT_FALSE(translate(as->page_table(), kA + 7 * kFrameSize).value().prop.write);
}

TEST_F(AddressSpaceTest, BadRequestsGetSpecificErrors) {
  EXPECT_EQ(VmaNew::anonymous(kA + 1, kFrameSize, Prot{}).error(), Error::kInvalidArgument);
  EXPECT_EQ(VmaNew::anonymous(kA, 100, Prot{}).error(), Error::kInvalidArgument);
  EXPECT_EQ(VmaNew::anonymous(kA, 0, Prot{}).error(), Error::kInvalidArgument);
  EXPECT_EQ(VmaNew::anonymous(0xfffffffffffff000ull, 0x2000, Prot{}).error(),
            Error::kInvalidArgument);  // wraps
  EXPECT_EQ(VmaNew::anonymous(0x0000800000000000ull, kFrameSize, Prot{}).error(),
            Error::kInvalidArgument);  // non-canonical
  EXPECT_EQ(VmaNew::anonymous(0x00007ffffffff000ull, 0x2000, Prot{}).error(),
            Error::kInvalidArgument);  // runs off the user half
  EXPECT_EQ(VmaNew::anonymous(0xffff800000000000ull, kFrameSize, Prot{}).error(),
            Error::kPermissionDenied);
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  MmapWriteGuard w(*as);
  ASSERT_TRUE(w.map(VmaNew::anonymous(kA, 4 * kFrameSize, Prot{true, false}).value()).is_ok());
  EXPECT_EQ(w.map(VmaNew::anonymous(kA + 3 * kFrameSize, 4 * kFrameSize, Prot{}).value()).error(),
            Error::kAlreadyExists);
  EXPECT_EQ(w.unmap(0xffff800000000000ull, 2 * kMiB).error(), Error::kPermissionDenied);
  EXPECT_EQ(w.unmap(0xffffffff80000000ull, kFrameSize).error(), Error::kPermissionDenied);
  EXPECT_EQ(w.unmap(kA + 7, kFrameSize).error(), Error::kInvalidArgument);
  EXPECT_EQ(w.protect(kA, 8 * kFrameSize, Prot{}).error(), Error::kNotFound);  // a hole
  EXPECT_EQ(w.protect(0xffff800000000000ull, kFrameSize, Prot{}).error(), Error::kPermissionDenied);
  // The kernel half stays out of reach of the user table's cursors too.
  EXPECT_EQ(
      CursorMut::create(as->page_table(), 0xffff800000000000ull, 0xffff800000200000ull).error(),
      Error::kPermissionDenied);
  // ... and its mappings are untouched by all of the above.
  EXPECT_TRUE(translate(*kernel_page_table(), 0xffff800000000000ull).value().mapped);
}

TEST_F(AddressSpaceTest, VmaTableFillsUpWithAnError) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  MmapWriteGuard w(*as);
  for (size_t i = 0; i < AddressSpace::kMaxVmas; ++i) {
    ASSERT_TRUE(
        w.map(VmaNew::anonymous(kA + 2 * i * kFrameSize, kFrameSize, Prot{}).value()).is_ok());
  }
  EXPECT_EQ(w.map(VmaNew::anonymous(kA - 2 * kFrameSize, kFrameSize, Prot{}).value()).error(),
            Error::kOverflow);
}

// Counts the cursors begun while it records: the real hooks (mm/phys/mm_events.h) record into a
// ring of its own (telemetry/recorder.h), which it reads back.
class CursorCount {
 public:
  CursorCount() {
    ring_.attach(storage_.data(), static_cast<uint32_t>(storage_.size()));
    telemetry::recorder::start(&ring_, false);
  }
  ~CursorCount() { telemetry::recorder::stop(); }
  [[nodiscard]] uint64_t begins() {
    telemetry::Record r;
    while (ring_.pop(r)) begins_ += r.type == telemetry::MsgType::kCursorBegin;
    EXPECT_EQ(ring_.take_lost(), 0u) << "the ring is large enough for one populate";
    return begins_;
  }

 private:
  std::vector<telemetry::Record> storage_ = std::vector<telemetry::Record>(4096);
  telemetry::EventRing ring_;
  uint64_t begins_ = 0;
};

TEST_F(AddressSpaceTest, PopulateMapsTheWholeVmaThroughOneCursor) {
  constexpr uint64_t kPages = 64;
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  MmapWriteGuard w(*as);
  {
    CursorCount count;
    VmaNew vma =
        VmaNew::anonymous(kA - 32 * kFrameSize, kPages * kFrameSize, Prot{true, false}).value();
    ASSERT_TRUE(w.map(std::move(vma.populate(true))).is_ok());
    EXPECT_EQ(count.begins(), 1u) << "one cursor for the populated range, not one per page";
  }
  EXPECT_EQ(folio_frames(), folios_ + kPages);
  for (uint64_t i = 0; i < kPages; ++i) {
    const uint64_t va = kA - 32 * kFrameSize + i * kFrameSize;
    const Mapping m = translate(as->page_table(), va).value();
    EXPECT_TRUE(m.mapped && m.prop.write && m.prop.user) << std::hex << va;
  }
  AuditReport r;
  as->page_table().audit(r);  // nr_children exact after the fast path filled the leaves
  EXPECT_TRUE(r.ok) << r.message;
  ASSERT_TRUE(w.unmap(kA - 32 * kFrameSize, kPages * kFrameSize).is_ok());
  EXPECT_EQ(folio_frames(), folios_);
}

TEST_F(AddressSpaceTest, FaultInFillsOnePageWithOneCursorAndKeepsAPresentOne) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  {
    MmapWriteGuard w(*as);
    ASSERT_TRUE(w.map(VmaNew::anonymous(kA, 4 * kFrameSize, Prot{true, false}).value()).is_ok());
  }
  MmapReadGuard g(*as);
  {
    CursorCount count;
    ASSERT_TRUE(g.fault_in(kA + kFrameSize + 8, true).is_ok());
    EXPECT_EQ(count.begins(), 1u);
  }
  const PhysAddr first = translate(as->page_table(), kA + kFrameSize).value().phys;
  ASSERT_TRUE(g.fault_in(kA + kFrameSize, false).is_ok());  // already there: stays
  EXPECT_EQ(translate(as->page_table(), kA + kFrameSize).value().phys, first);
  EXPECT_EQ(folio_frames(), folios_ + 1);
}

// One rule (mm/virt/va_range.h): a VMA and a user table's cursor accept and refuse the same ranges,
// with the same error.
TEST_F(AddressSpaceTest, VmasAndCursorsShareOneRangeRule) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  const struct {
    uint64_t start, len;
  } cases[] = {{kA, kFrameSize},
               {kA + 1, kFrameSize},
               {kA, 100},
               {kA, 0},
               {0xfffffffffffff000ull, 0x2000},
               {0x0000800000000000ull, kFrameSize},
               {0x00007ffffffff000ull, 0x2000},
               {0x00007ffffffff000ull, kFrameSize},
               {0xffff800000000000ull, kFrameSize},
               {0, kFrameSize}};
  for (const auto& c : cases) {
    auto vma = VmaNew::anonymous(c.start, c.len, Prot{});
    auto range = as->page_table().check_range(c.start, c.start + c.len);
    ASSERT_EQ(vma.is_ok(), range.is_ok()) << std::hex << c.start << " + " << c.len;
    if (vma.is_error()) {
      EXPECT_EQ(vma.error(), range.error()) << std::hex << c.start;
    }
  }
}

TEST(AddressSpaceNoKernel, CreateNeedsTheKernelTable) {
  host::arena_create(64 * kMiB);
  ASSERT_TRUE(init(standard_map()).is_ok());
  EXPECT_EQ(UniqueAddressSpace::create().error(), Error::kUnsupported);
  host_reset();
  host::arena_destroy();
}

}  // namespace
}  // namespace glass::mm::testing
