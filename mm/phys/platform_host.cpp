// Host side of the mm seam: one mmap'd block stands in for physical memory; see host_arena.h.
// Invariant: g_base/g_size change only in arena_create/arena_destroy, which tests call while no
// other thread uses mm.
#include <sys/mman.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "mm/phys/host_arena.h"
#include "mm/phys/platform.h"

namespace glass::mm {
namespace {
unsigned char* g_base = nullptr;
uint64_t g_size = 0;
std::atomic<uint64_t> g_page_flushes{0};
std::atomic<uint64_t> g_full_flushes{0};
std::atomic<uint64_t> g_root_loads{0};
std::atomic<PhysAddr> g_root{0};

[[noreturn]] void arena_fail(const char* what, uint64_t value) {
  std::fprintf(stderr, "host arena: %s (%#llx)\n", what, static_cast<unsigned long long>(value));
  std::abort();
}
}  // namespace

namespace host {

void arena_create(uint64_t bytes) {
  if (g_base != nullptr) arena_fail("arena already exists", g_size);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) arena_fail("mmap failed", bytes);
  g_base = static_cast<unsigned char*>(p);
  g_size = bytes;
}

void arena_destroy() {
  if (g_base == nullptr) return;
  ::munmap(g_base, g_size);
  g_base = nullptr;
  g_size = 0;
}

uint64_t arena_size() {
  return g_size;
}

TlbCounters tlb_counters() {
  return {g_page_flushes.load(), g_full_flushes.load(), g_root_loads.load()};
}

}  // namespace host

namespace platform {

void* phys_to_virt(PhysAddr phys) {
  if (phys >= g_size) arena_fail("phys_to_virt outside the arena", phys);
  return g_base + phys;
}

PhysAddr virt_to_phys(const void* virt) {
  auto p = static_cast<const unsigned char*>(virt);
  if (p < g_base || p >= g_base + g_size) {
    arena_fail("virt_to_phys of a pointer outside the arena", reinterpret_cast<uintptr_t>(virt));
  }
  return static_cast<PhysAddr>(p - g_base);
}

// No MMU on the host: the calls are counted so tests can see batching decisions.
void tlb_flush_page(uint64_t) {
  g_page_flushes.fetch_add(1, std::memory_order_relaxed);
}
void tlb_flush_all() {
  g_full_flushes.fetch_add(1, std::memory_order_relaxed);
}
void load_root(PhysAddr root) {
  g_root_loads.fetch_add(1, std::memory_order_relaxed);
  g_root.store(root);
}
PhysAddr current_root() {
  return g_root.load();
}

}  // namespace platform
}  // namespace glass::mm
