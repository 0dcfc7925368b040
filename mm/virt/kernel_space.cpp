// Building the kernel page table; see kernel_space.h for the invariants.
//
// Who owns what: g_kernel (the PageTable in g_storage) is written once by
// build_kernel_address_space, single-threaded at boot, and never destroyed in the kernel; its
// nodes belong to kOwnerKernel.
#include "mm/virt/kernel_space.h"

#include <new>

#include "mm/virt/layout.h"
#include "mm/virt/pt_cursor.h"

namespace glass::mm {
namespace {

constexpr uint64_t k2M = uint64_t{2} << 20;

alignas(PageTable) constinit unsigned char g_storage[sizeof(PageTable)] = {};
constinit PageTable* g_kernel = nullptr;

bool page_aligned(uint64_t v) {
  return (v & (kFrameSize - 1)) == 0;
}
uint64_t round_up_page(uint64_t v) {
  return (v + kFrameSize - 1) & ~(kFrameSize - 1);
}

bool is_guard(const KernelImage& img, uint64_t va) {
  for (size_t i = 0; i < img.guard_count; ++i) {
    if ((img.guard_pages[i] & ~(kFrameSize - 1)) == va) return true;
  }
  return false;
}

bool overlaps_ram(const KernelImage& img, uint64_t base, uint64_t len) {
  for (size_t i = 0; i < img.ram_count; ++i) {
    if (img.ram[i].base < base + len && base < img.ram[i].base + img.ram[i].length) return true;
  }
  return false;
}

Result<void> check(const KernelImage& img) {
  const uint64_t text_end = round_up_page(img.text_end);
  const uint64_t rodata_end = round_up_page(img.rodata_end);
  if (!page_aligned(img.text_start) || !page_aligned(img.rodata_start) ||
      !page_aligned(img.data_start) || !page_aligned(img.data_end) ||
      !page_aligned(img.virt_base) || img.text_start < img.virt_base ||
      img.text_start > img.text_end || text_end > img.rodata_start ||
      img.rodata_start > img.rodata_end || rodata_end > img.data_start ||
      img.data_start > img.data_end || img.data_end > kKernelEnd || img.text_start < kKernelStart) {
    return Error::kInvalidArgument;
  }
  if (img.direct_map_bytes == 0 || (img.direct_map_bytes % k2M) != 0 ||
      img.direct_map_bytes > layout::kDirectMapMax) {
    return Error::kInvalidArgument;
  }
  return {};
}

Result<void> map_direct(PageTable& pt, const KernelImage& img) {
  const uint64_t base = layout::kDirectMapBase;
  CursorMut c = TRY(CursorMut::create(pt, base, base + img.direct_map_bytes));
  for (uint64_t phys = 0; phys < img.direct_map_bytes; phys += k2M) {
    const PageProp prop{true, false, false, true, !overlaps_ram(img, phys, k2M)};
    TRY(c.map(phys, 2, prop));
  }
  return {};
}

Result<void> map_image(PageTable& pt, const KernelImage& img) {
  CursorMut c = TRY(CursorMut::create(pt, img.text_start, img.data_end));
  const uint64_t text_end = round_up_page(img.text_end);
  const uint64_t rodata_end = round_up_page(img.rodata_end);
  for (uint64_t va = img.text_start; va < img.data_end; va += kFrameSize) {
    if (is_guard(img, va)) continue;
    PageProp prop{false, false, false, true, false};
    if (va < text_end) {
      prop.exec = true;
    } else if (va < rodata_end) {
      // read-only, NX
    } else if (va >= img.data_start) {
      prop.write = true;
    } else {
      continue;  // padding between sections
    }
    TRY(c.jump(va));
    TRY(c.map(va - img.virt_base, 1, prop));
  }
  return {};
}

}  // namespace

Result<void> build_kernel_address_space(const KernelImage& image) {
  if (g_kernel != nullptr) return Error::kAlreadyExists;
  TRY(check(image));
  PageTable pt = TRY(PageTable::create_kernel(kOwnerKernel));
  TRY(map_direct(pt, image));
  TRY(map_image(pt, image));
  g_kernel = new (g_storage) PageTable(std::move(pt));
  return {};
}

Result<void> activate_kernel_address_space(const KernelImage& image) {
  TRY(build_kernel_address_space(image));
  switch_to_kernel_page_table();
  return {};
}

PageTable* kernel_page_table() {
  return g_kernel;
}

void switch_to_kernel_page_table() {
  if (g_kernel != nullptr) platform::load_root(g_kernel->root_phys());
}

AuditReport audit_kernel_page_tables() {
  AuditReport r;
  if (g_kernel == nullptr) {
    r.fail("pt: no kernel page table");
  } else {
    g_kernel->audit(r);
  }
  return r;
}

#if GLASS_HOST
void kernel_space_host_reset() {
  g_kernel = nullptr;  // its frames vanish with the arena; nothing to free
}
#endif

}  // namespace glass::mm
