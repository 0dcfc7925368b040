// In-kernel tests of page tables and address spaces on the real machine: the switch to mm's
// kernel page tables, section rights, map / write through / read back / unmap and the #PF after,
// demand-zero faults in a user address space we switch to. The mm hook in frames_ktest.cpp
// audits frames and checks for leaks (page-table frames and folios included) after every test.
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/ktest/ktest.h"
#include "mm/phys/unique_frame.h"
#include "mm/virt/address_space.h"
#include "mm/virt/clear_range.h"
#include "mm/virt/kernel_space.h"
#include "mm/virt/layout.h"
#include "mm/virt/pt_cursor.h"

extern "C" char __text_start[], __rodata_start[], __data_start[];
// Read-only data the rodata test tries to write (extern so it stays a real object in .rodata).
extern "C" const uint64_t glass_pt_rodata_probe[2];
const uint64_t glass_pt_rodata_probe[2] = {0x5eed, 0x5eed};

namespace glass::mm {
namespace {

// Kernel-half scratch space nothing else uses (root slot 384); tests free every node they add.
constexpr uint64_t kScratch = 0xffffc00000000000ull;
constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kUserBase = 0x400000;

Result<Mapping> translate(PageTable& pt, uint64_t va) {
  const uint64_t page = va & ~(kFrameSize - 1);
  Cursor c = TRY(Cursor::create(pt, page, page + kFrameSize));
  return c.query();
}

// Removes everything from the 1 GiB around kScratch, nodes included (the cursor covers the
// whole level-3 entry, so the level-2 sub-tree goes whole). The frames are the tests' own.
void clear_scratch() {
  (void)clear_range(*kernel_page_table(), kScratch, kScratch + kGiB);
}

KTEST(pt, kernel_runs_on_mm_page_tables) {
  PageTable* k = kernel_page_table();
  KASSERT(k != nullptr);
  KEXPECT_EQ(platform::current_root(), k->root_phys());
  const AuditReport r = audit_kernel_page_tables();
  if (!r.ok) KFAIL("kernel page-table audit: %s", r.message);
}

KTEST(pt, sections_have_their_rights) {
  PageTable& k = *kernel_page_table();
  const Mapping text = translate(k, reinterpret_cast<uint64_t>(__text_start)).value();
  KEXPECT(text.mapped && text.prop.exec && !text.prop.write);
  const Mapping ro = translate(k, reinterpret_cast<uint64_t>(__rodata_start)).value();
  KEXPECT(ro.mapped && !ro.prop.exec && !ro.prop.write);
  const Mapping data = translate(k, reinterpret_cast<uint64_t>(__data_start)).value();
  KEXPECT(data.mapped && !data.prop.exec && data.prop.write);
  const Mapping dm = translate(k, layout::kDirectMapBase + 0x100000).value();
  KEXPECT(dm.mapped && !dm.prop.exec && dm.prop.write && dm.size == (2u << 20));
  uint64_t guards[8];
  const size_t n = arch::stack_guard_pages(guards, 8);
  KEXPECT(n > 0);
  for (size_t i = 0; i < n; ++i) KEXPECT(!translate(k, guards[i]).value().mapped);
}

KTEST_EXPECT_FAULT_ANY_ADDRESS(pt, rodata_write_faults, ktest::kVectorPageFault) {
  *const_cast<volatile uint64_t*>(&glass_pt_rodata_probe[0]) = 1;
}

KTEST(pt, map_write_read_back_unmap) {
  PageTable& k = *kernel_page_table();
  const uint64_t nodes = k.node_count();
  {
    BlockBufferFrame frame = BlockBufferFrame::alloc(kOwnerKernel).value();
    {
      CursorMut c = CursorMut::create(k, kScratch, kScratch + kFrameSize).value();
      KASSERT(c.map(frame.phys(), 1, PageProp{true, false, false, false, false}).is_ok());
    }
    KEXPECT(k.node_count() == nodes + 2);  // a level-2 and a level-1 node
    *reinterpret_cast<volatile uint64_t*>(kScratch + 8) = 0xfeedface;
    frame.with_mapped([&](PageBytes b) {
      KEXPECT_EQ(*reinterpret_cast<uint64_t*>(b.data + 8), 0xfeedfaceu);  // same frame, direct map
      *reinterpret_cast<uint64_t*>(b.data + 16) = 0xabcd;
    });
    KEXPECT_EQ(*reinterpret_cast<volatile uint64_t*>(kScratch + 16), 0xabcdu);
    clear_scratch();
  }
  KEXPECT_EQ(k.node_count(), nodes);
  KEXPECT(!translate(k, kScratch).value().mapped);
}

KTEST_EXPECT_FAULT(pt, unmapped_page_faults, ktest::kVectorPageFault, kScratch + 0x40) {
  {
    BlockBufferFrame frame = BlockBufferFrame::alloc(kOwnerKernel).value();
    {
      CursorMut c =
          CursorMut::create(*kernel_page_table(), kScratch, kScratch + kFrameSize).value();
      if (c.map(frame.phys(), 1, PageProp{true, false, false, false, false}).is_error()) return;
    }
    *reinterpret_cast<volatile uint64_t*>(kScratch + 0x40) = 1;  // mapped: fine
    clear_scratch();  // unmapped, the TLB flushed, the frame and the nodes freed below
  }
  (void)*reinterpret_cast<volatile uint64_t*>(kScratch + 0x40);
}

KTEST(pt, user_space_switch_write_read_back) {
  auto created = UniqueAddressSpace::create();
  KASSERT(created.is_ok());
  UniqueAddressSpace as = std::move(created).value();
  {
    MmapWriteGuard w(*as);
    KASSERT(
        w.map(VmaNew::anonymous(kUserBase, 16 * kFrameSize, Prot{true, false}).value()).is_ok());
  }
  // The kernel half is shared by pointer: this code keeps running after the switch.
  as->activate();
  KEXPECT_EQ(platform::current_root(), as->page_table().root_phys());
  auto* p = reinterpret_cast<volatile uint64_t*>(kUserBase);
  KEXPECT_EQ(p[0], 0u);  // demand-zero read fault
  for (uint64_t i = 0; i < 16; ++i) p[i * kFrameSize / 8 + 1] = 0x1000 + i;  // write faults
  uint64_t ok = 0;
  for (uint64_t i = 0; i < 16; ++i) ok += p[i * kFrameSize / 8 + 1] == 0x1000 + i;
  KEXPECT_EQ(ok, 16u);
  for (uint64_t i = 0; i < 16; ++i) {
    KEXPECT(translate(as->page_table(), kUserBase + i * kFrameSize).value().mapped);
  }
  {
    MmapWriteGuard w(*as);
    KEXPECT(w.unmap(kUserBase + 4 * kFrameSize, 4 * kFrameSize).is_ok());
    KEXPECT_EQ(w.vma_count(), 2u);
  }
  KEXPECT(!translate(as->page_table(), kUserBase + 5 * kFrameSize).value().mapped);
  KEXPECT_EQ(p[8 * kFrameSize / 8 + 1], 0x1008u);  // the rest is untouched
  switch_to_kernel_page_table();
}

KTEST(pt, demand_zero_read_only_memory) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  {
    MmapWriteGuard w(*as);
    KASSERT(
        w.map(VmaNew::anonymous(kUserBase, 4 * kFrameSize, Prot{false, false}).value()).is_ok());
  }
  as->activate();
  auto* p = reinterpret_cast<volatile uint8_t*>(kUserBase);
  uint64_t sum = 0;
  for (uint64_t i = 0; i < 4 * kFrameSize; i += 512) sum += p[i];
  KEXPECT_EQ(sum, 0u);
  const Mapping m = translate(as->page_table(), kUserBase + 3 * kFrameSize).value();
  KEXPECT(m.mapped && !m.prop.write && !m.prop.exec && m.prop.user);
  // The AddressSpace switches back to the kernel tables itself when destroyed while active.
}

KTEST(pt, bad_input_is_refused) {
  UniqueAddressSpace as = UniqueAddressSpace::create().value();
  MmapWriteGuard w(*as);
  KEXPECT(w.unmap(layout::kDirectMapBase, 2u << 20).error() == Error::kPermissionDenied);
  KEXPECT(w.unmap(layout::kKernelVirtBase, kFrameSize).error() == Error::kPermissionDenied);
  KEXPECT(w.unmap(kUserBase + 1, kFrameSize).error() == Error::kInvalidArgument);
  KEXPECT(VmaNew::anonymous(0x0000800000000000ull, kFrameSize, Prot{}).error() ==
          Error::kInvalidArgument);
  KEXPECT(CursorMut::create(as->page_table(), layout::kDirectMapBase,
                            layout::kDirectMapBase + kFrameSize)
              .error() == Error::kPermissionDenied);
  KEXPECT(CursorMut::create(*kernel_page_table(), 0x1000, 0x2000).error() ==
          Error::kInvalidArgument);
  KASSERT(w.map(VmaNew::anonymous(kUserBase, kFrameSize, Prot{}).value()).is_ok());
  KEXPECT(w.map(VmaNew::anonymous(kUserBase, kFrameSize, Prot{}).value()).error() ==
          Error::kAlreadyExists);
  KEXPECT(translate(*kernel_page_table(), layout::kDirectMapBase).value().mapped);
}

}  // namespace
}  // namespace glass::mm
