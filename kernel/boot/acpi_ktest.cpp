// ACPI's ISA route lookup against synthetic tables: an override's GSI, polarity and trigger are
// honoured, an IRQ without one keeps the ISA defaults, and every kind of damage (bad checksums,
// a missing MADT or I/O APIC, entry lengths that lie, tables beyond what is readable) is an error
// with a reason, never a crash or a guess; the MADT's CPUs are its enabled local APICs in table
// order, disabled ones and those beyond the list counted. The real tables are checked by com2_rx's
// tests (routes) and smp's (CPUs).
#include "kernel/boot/acpi.h"
#include "kernel/ktest/ktest.h"

namespace glass::acpi {
namespace {

constexpr uint64_t kRsdt = 0x100, kMadt = 0x200;

struct Fake {
  uint8_t mem[0x400] = {};
  uint8_t rsdp[20] = {};
};

const uint8_t* view(uint64_t phys, size_t len, void* ctx) {
  Fake* f = static_cast<Fake*>(ctx);
  if (len > sizeof f->mem || phys > sizeof f->mem - len) return nullptr;
  return f->mem + phys;
}

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void fix_sum(uint8_t* p, size_t n, size_t sum_at) {
  p[sum_at] = 0;
  uint8_t s = 0;
  for (size_t i = 0; i < n; ++i) s = static_cast<uint8_t>(s + p[i]);
  p[sum_at] = static_cast<uint8_t>(-s);
}
void header(uint8_t* p, const char* sig, uint32_t len) {
  __builtin_memcpy(p, sig, 4);
  put32(p + 4, len);
}

// RSDP v1 -> RSDT -> MADT { I/O APIC id 2 at 0xfec00000 base 0; override ISA 3 -> GSI 7, active
// low, level }.
uint32_t build(Fake& f, bool with_ioapic = true, bool with_override = true) {
  __builtin_memcpy(f.rsdp, "RSD PTR ", 8);
  put32(f.rsdp + 16, kRsdt);
  fix_sum(f.rsdp, 20, 8);
  header(f.mem + kRsdt, "RSDT", 40);
  put32(f.mem + kRsdt + 36, kMadt);
  fix_sum(f.mem + kRsdt, 40, 9);
  uint8_t* m = f.mem + kMadt;
  uint32_t len = 44;
  put32(m + 36, 0xfee00000);
  put32(m + 40, 1);  // PCAT_COMPAT
  if (with_ioapic) {
    uint8_t* e = m + len;
    e[0] = 1, e[1] = 12, e[2] = 2;
    put32(e + 4, 0xfec00000);
    put32(e + 8, 0);
    len += 12;
  }
  if (with_override) {
    uint8_t* e = m + len;
    e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 3;
    put32(e + 4, 7);
    e[8] = 0x0f, e[9] = 0;  // active low (3), level (3 << 2)
    len += 10;
  }
  header(m, "APIC", len);
  fix_sum(m, len, 9);
  return len;
}

mb2::Rsdp rsdp_of(Fake& f, bool ok = true) {
  return mb2::Rsdp{f.rsdp, 20, 1, ok};
}

}  // namespace

KTEST(acpi, override_gives_gsi_polarity_and_trigger) {
  static Fake f;
  f = Fake{};
  build(f);
  const char* why = nullptr;
  auto r = find_isa_route(rsdp_of(f), 3, view, &f, &why);
  KASSERT(r.is_ok());
  KEXPECT_EQ(r.value().gsi, 7u);
  KEXPECT(r.value().active_low);
  KEXPECT(r.value().level);
  KEXPECT(r.value().overridden);
  KEXPECT(r.value().legacy_pics);
  KEXPECT_EQ(r.value().ioapic_phys, 0xfec00000u);
  KEXPECT_EQ(r.value().ioapic_id, 2u);
}

KTEST(acpi, irq_without_override_keeps_isa_defaults) {
  static Fake f;
  f = Fake{};
  build(f);
  auto r = find_isa_route(rsdp_of(f), 4, view, &f, nullptr);
  KASSERT(r.is_ok());
  KEXPECT_EQ(r.value().gsi, 4u);
  KEXPECT(!r.value().active_low);
  KEXPECT(!r.value().level);
  KEXPECT(!r.value().overridden);
}

KTEST(acpi, damaged_tables_are_refused_with_a_reason) {
  static Fake f;
  const char* why = nullptr;
  // No RSDP, or one whose checksum failed at boot.
  KEXPECT(find_isa_route(mb2::Rsdp{}, 3, view, &f, &why).is_error());
  f = Fake{};
  build(f);
  KEXPECT(find_isa_route(rsdp_of(f, false), 3, view, &f, &why).is_error());
  KEXPECT(__builtin_strstr(why, "RSDP checksum") != nullptr);
  // A MADT byte flipped after its checksum was set.
  f = Fake{};
  build(f);
  f.mem[kMadt + 50] ^= 0x40;
  KEXPECT(find_isa_route(rsdp_of(f), 3, view, &f, &why).is_error());
  KEXPECT(__builtin_strstr(why, "MADT checksum") != nullptr);
  // The RSDT's checksum.
  f = Fake{};
  build(f);
  f.mem[kRsdt + 36] ^= 1;
  KEXPECT(find_isa_route(rsdp_of(f), 3, view, &f, &why).is_error());
  // No I/O APIC entry at all.
  f = Fake{};
  build(f, false, true);
  KEXPECT(find_isa_route(rsdp_of(f), 3, view, &f, &why).is_error());
  KEXPECT(__builtin_strstr(why, "no I/O APIC") != nullptr);
  // An entry whose length is 0 (a walker that trusted it would loop for ever).
  f = Fake{};
  const uint32_t len = build(f, true, false);
  f.mem[kMadt + len - 12 + 1] = 0;
  fix_sum(f.mem + kMadt, len, 9);
  KEXPECT(find_isa_route(rsdp_of(f), 3, view, &f, &why).is_error());
  // A MADT that claims to be longer than what is readable.
  f = Fake{};
  build(f);
  put32(f.mem + kMadt + 4, 0x10000);
  KEXPECT(find_isa_route(rsdp_of(f), 3, view, &f, &why).is_error());
  // Not an ISA IRQ.
  f = Fake{};
  build(f);
  KEXPECT(find_isa_route(rsdp_of(f), 16, view, &f, &why).is_error());
}

}  // namespace glass::acpi

namespace glass::acpi {
namespace {

// build()'s tables (an I/O APIC, no override) plus one processor local APIC entry per
// {apic id, flags}, `len` bytes each (8 is the spec's). Returns the MADT's length.
uint32_t build_cpus(Fake& f, const uint8_t (*cpus)[2], unsigned n, uint8_t len = 8) {
  uint32_t madt_len = build(f, true, false);
  uint8_t* m = f.mem + kMadt;
  for (unsigned i = 0; i < n; ++i) {
    uint8_t* e = m + madt_len;
    e[0] = 0, e[1] = len, e[2] = static_cast<uint8_t>(i), e[3] = cpus[i][0];
    if (len >= 8) put32(e + 4, cpus[i][1]);
    madt_len += len;
  }
  header(m, "APIC", madt_len);
  fix_sum(m, madt_len, 9);
  return madt_len;
}

}  // namespace

KTEST(acpi, madt_cpus_are_the_enabled_local_apics_in_table_order) {
  static Fake f;
  f = Fake{};
  const uint8_t cpus[][2] = {{0, 1}, {1, 0}, {5, 1}, {3, 1}};  // APIC 1: an absent hot-plug slot
  build_cpus(f, cpus, 4);
  const char* why = nullptr;
  auto r = find_cpus(rsdp_of(f), view, &f, &why);
  KASSERT(r.is_ok());
  KEXPECT_EQ(r.value().count, 3u);
  KEXPECT_EQ(r.value().apic_ids[0], 0u);
  KEXPECT_EQ(r.value().apic_ids[1], 5u);
  KEXPECT_EQ(r.value().apic_ids[2], 3u);
  KEXPECT_EQ(r.value().disabled, 1u);
  KEXPECT_EQ(r.value().dropped, 0u);
}

KTEST(acpi, madt_cpus_beyond_the_list_are_counted_not_dropped_silently) {
  static Fake f;
  f = Fake{};
  uint8_t cpus[CpuList::kMaxListedCpus + 8][2];
  for (unsigned i = 0; i < sizeof cpus / sizeof cpus[0]; ++i) {
    cpus[i][0] = static_cast<uint8_t>(i), cpus[i][1] = 1;
  }
  build_cpus(f, cpus, sizeof cpus / sizeof cpus[0]);
  auto r = find_cpus(rsdp_of(f), view, &f, nullptr);
  KASSERT(r.is_ok());
  KEXPECT_EQ(r.value().count, CpuList::kMaxListedCpus);
  KEXPECT_EQ(r.value().dropped, 8u);
}

KTEST(acpi, madt_without_usable_cpus_or_with_short_entries_is_refused_with_a_reason) {
  static Fake f;
  const char* why = nullptr;
  f = Fake{};
  const uint8_t none[][2] = {{0, 0}};
  build_cpus(f, none, 1);
  KEXPECT(find_cpus(rsdp_of(f), view, &f, &why).is_error());
  KEXPECT(__builtin_strstr(why, "no usable processor") != nullptr);
  f = Fake{};
  const uint8_t one[][2] = {{0, 1}};
  build_cpus(f, one, 1, 6);  // shorter than a local APIC entry
  KEXPECT(find_cpus(rsdp_of(f), view, &f, &why).is_error());
  KEXPECT(__builtin_strstr(why, "local APIC entry too short") != nullptr);
  f = Fake{};
  build_cpus(f, one, 1);
  f.mem[kMadt + 44] ^= 0x10;  // checksum no longer matches
  KEXPECT(find_cpus(rsdp_of(f), view, &f, &why).is_error());
  KEXPECT(__builtin_strstr(why, "MADT checksum") != nullptr);
  KEXPECT(find_cpus(mb2::Rsdp{}, view, &f, &why).is_error());
}

}  // namespace glass::acpi
