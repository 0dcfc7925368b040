// The kernel address space built on the simulated arena: section rights, guard pages, the direct
// map's caching, the W^X and node-kind audit, and the exact error for each bad KernelImage.
#include <cstring>

#include "mm/phys/folio.h"
#include "mm/virt/kernel_space.h"
#include "tests/host/pt/pt_fixture.h"

namespace glass::mm::testing {
namespace {

constexpr uint64_t kBase = 0xffffffff80000000ull;
constexpr uint64_t kDm = 0xffff800000000000ull;

struct FakeKernel {
  uint64_t guards[2] = {kBase + 0x230000, kBase + 0x240000};
  MemRange ram[2] = {{0, 0x9f000}, {1 * kMiB, 63 * kMiB}};
  KernelImage image() const {
    KernelImage k;
    k.virt_base = kBase;
    k.text_start = kBase + 0x200000;
    k.text_end = kBase + 0x210123;  // not page aligned, like __text_end
    k.rodata_start = kBase + 0x211000;
    k.rodata_end = kBase + 0x220010;
    k.data_start = kBase + 0x221000;
    k.data_end = kBase + 0x250000;
    k.guard_pages = guards;
    k.guard_count = 2;
    k.ram = ram;
    k.ram_count = 2;
    k.direct_map_bytes = 128 * kMiB;  // beyond RAM: the tail is MMIO space
    return k;
  }
};

class KernelSpace : public PtTest {};

TEST_F(KernelSpace, SectionsGetTheirRights) {
  FakeKernel fk;
  const uint64_t loads = host::tlb_counters().root_loads;
  ASSERT_TRUE(activate_kernel_address_space(fk.image()).is_ok());
  PageTable& k = *kernel_page_table();
  EXPECT_EQ(host::tlb_counters().root_loads, loads + 1);
  EXPECT_EQ(platform::current_root(), k.root_phys());
  const Mapping text = translate(k, kBase + 0x210000).value();  // last, partial text page
  EXPECT_TRUE(text.mapped);
  EXPECT_EQ(text.phys, 0x210000u);
  EXPECT_TRUE(text.prop.exec);
  EXPECT_FALSE(text.prop.write);
  EXPECT_TRUE(text.prop.global);
  const Mapping ro = translate(k, kBase + 0x220000).value();
  EXPECT_TRUE(ro.mapped);
  EXPECT_FALSE(ro.prop.exec);
  EXPECT_FALSE(ro.prop.write);
  const Mapping data = translate(k, kBase + 0x221000).value();
  EXPECT_TRUE(data.prop.write);
  EXPECT_FALSE(data.prop.exec);
  EXPECT_FALSE(translate(k, kBase + 0x230000).value().mapped);  // guard pages
  EXPECT_FALSE(translate(k, kBase + 0x240000).value().mapped);
  EXPECT_TRUE(translate(k, kBase + 0x241000).value().mapped);
  EXPECT_FALSE(translate(k, kBase + 0x250000).value().mapped);  // past the image
  EXPECT_FALSE(translate(k, kBase + 0x1ff000).value().mapped);  // below it
  const Mapping dm = translate(k, kDm + 0x345000).value();
  EXPECT_EQ(dm.size, 2u << 20);
  EXPECT_EQ(dm.phys, 0x200000u);
  EXPECT_TRUE(dm.prop.write);
  EXPECT_FALSE(dm.prop.exec);
  EXPECT_FALSE(dm.prop.uncached);
  EXPECT_TRUE(translate(k, kDm + 100 * kMiB).value().prop.uncached);  // no RAM there
  EXPECT_FALSE(translate(k, kDm + 128 * kMiB).value().mapped);
  const AuditReport r = audit_kernel_page_tables();
  EXPECT_TRUE(r.ok) << r.message;
}

TEST_F(KernelSpace, BadImagesAreRefused) {
  FakeKernel fk;
  KernelImage k = fk.image();
  k.text_start += 8;
  EXPECT_EQ(build_kernel_address_space(k).error(), Error::kInvalidArgument);
  k = fk.image();
  k.rodata_start = k.text_start;  // sections out of order
  EXPECT_EQ(build_kernel_address_space(k).error(), Error::kInvalidArgument);
  k = fk.image();
  k.direct_map_bytes = 3 * kMiB;
  EXPECT_EQ(build_kernel_address_space(k).error(), Error::kInvalidArgument);
  k = fk.image();
  k.direct_map_bytes = 128ull << 30;  // beyond the direct-map window
  EXPECT_EQ(build_kernel_address_space(k).error(), Error::kInvalidArgument);
  k = fk.image();
  k.virt_base = 0;
  k.text_start = 0x200000;  // a user-half "kernel"
  EXPECT_EQ(build_kernel_address_space(k).error(), Error::kInvalidArgument);
  EXPECT_EQ(kernel_page_table(), nullptr);
  EXPECT_EQ(audit_kernel_page_tables().ok, false);
  ASSERT_TRUE(build_kernel_address_space(fk.image()).is_ok());
  EXPECT_EQ(build_kernel_address_space(fk.image()).error(), Error::kAlreadyExists);
}

TEST_F(KernelSpace, AuditFindsWritableExecutablePages) {
  FakeKernel fk;
  ASSERT_TRUE(build_kernel_address_space(fk.image()).is_ok());
  PageTable& k = *kernel_page_table();
  const PageProp wx{true, true, false, false, false};
  ASSERT_TRUE(map_range(k, kBase + 0x400000, 0x1000, 0x400000, 1, wx).is_ok());
  const AuditReport r = audit_kernel_page_tables();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(std::strstr(r.message, "writable and executable"), nullptr) << r.message;
  EXPECT_NE(std::strstr(r.message, "ffffffff80400000"), nullptr) << r.message;
}

TEST_F(KernelSpace, AuditFindsNodesThatAreNotPageTableFrames) {
  FakeKernel fk;
  ASSERT_TRUE(build_kernel_address_space(fk.image()).is_ok());
  PageTable& k = *kernel_page_table();
  Folio impostor = Folio::alloc(0, kTestOwner).value();
  impostor.with_mapped([](PageBytes b) { std::memset(b.data, 0, b.size); });
  // Hand-plant a pointer to a data frame as if it were a level-2 node (what a bug would do).
  const uint64_t va = 0xffffc00000000000ull;
  {
    CursorMut c = CursorMut::create(k, va, va + kGiB).value();
    (void)c;
  }
  auto* root = static_cast<uint64_t*>(platform::phys_to_virt(k.root_phys()));
  auto* l3 =
      static_cast<uint64_t*>(platform::phys_to_virt(root[pte_index(va, 4)] & pte::kAddrMask));
  l3[pte_index(va, 3)] = impostor.phys() | pte::kPresent | pte::kWrite;
  frame_table_mut()[phys_to_pfn(root[pte_index(va, 4)] & pte::kAddrMask)].u.pt.nr_children++;
  const AuditReport r = audit_kernel_page_tables();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(std::strstr(r.message, "is folio"), nullptr) << r.message;
  l3[pte_index(va, 3)] = 0;
  frame_table_mut()[phys_to_pfn(root[pte_index(va, 4)] & pte::kAddrMask)].u.pt.nr_children--;
  EXPECT_TRUE(audit_kernel_page_tables().ok);
}

}  // namespace
}  // namespace glass::mm::testing
