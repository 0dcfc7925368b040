// Allocation-failure injection: the counters behind should_fail(); see fail_inject.h.
#include "kernel/lib/fail_inject.h"

namespace glass::fail_inject {
namespace detail {
constinit std::atomic<bool> g_armed{false};
}  // namespace detail

namespace {
constinit std::atomic<uint64_t> g_nth{0};
constinit std::atomic<bool> g_persistent{false};
constinit std::atomic<uint64_t> g_checks{0};
constinit std::atomic<uint64_t> g_failures{0};
constinit std::atomic<uint64_t> g_absorbed{0};
constinit std::atomic<uint8_t> g_failed_site{static_cast<uint8_t>(Site::kOther)};
constinit std::atomic<uint64_t> g_site_checks[kSiteCount] = {};

constexpr const char* kSiteNames[kSiteCount] = {
    "page-table node", "slab frame", "large frames", "folio",
    "block buffer",    "telemetry",  "slab object",  "other",
};
}  // namespace

const char* site_name(Site s) {
  const auto i = static_cast<unsigned>(s);
  return i < kSiteCount ? kSiteNames[i] : "?";
}

bool detail::count_and_decide(Site site) {
  const auto i = static_cast<unsigned>(site);
  g_site_checks[i < kSiteCount ? i : kSiteCount - 1].fetch_add(1, std::memory_order_relaxed);
  const uint64_t n = g_checks.fetch_add(1, std::memory_order_relaxed) + 1;
  const uint64_t nth = g_nth.load(std::memory_order_relaxed);
  const bool fail = n == nth || (n > nth && g_persistent.load(std::memory_order_relaxed));
  if (!fail) return false;
  if (g_failures.fetch_add(1, std::memory_order_relaxed) == 0) {
    g_failed_site.store(static_cast<uint8_t>(site), std::memory_order_relaxed);
  }
  return true;
}

void arm(uint64_t nth, Mode mode) {
  detail::g_armed.store(false, std::memory_order_relaxed);
  g_checks.store(0, std::memory_order_relaxed);
  g_failures.store(0, std::memory_order_relaxed);
  g_absorbed.store(0, std::memory_order_relaxed);
  g_failed_site.store(static_cast<uint8_t>(Site::kOther), std::memory_order_relaxed);
  for (auto& c : g_site_checks) c.store(0, std::memory_order_relaxed);
  g_nth.store(nth, std::memory_order_relaxed);
  g_persistent.store(mode == Mode::kPersistent, std::memory_order_relaxed);
  detail::g_armed.store(nth != 0, std::memory_order_release);
}

void disarm() {
  detail::g_armed.store(false, std::memory_order_release);
}

bool armed() {
  return detail::g_armed.load(std::memory_order_relaxed);
}

uint64_t checks() {
  return g_checks.load(std::memory_order_relaxed);
}

uint64_t failures() {
  return g_failures.load(std::memory_order_relaxed);
}

void absorbed() {
  g_absorbed.fetch_add(1, std::memory_order_relaxed);
}

uint64_t absorbed_failures() {
  return g_absorbed.load(std::memory_order_relaxed);
}

Site failed_site() {
  return static_cast<Site>(g_failed_site.load(std::memory_order_relaxed));
}

uint64_t checks_at(Site site) {
  const auto i = static_cast<unsigned>(site);
  return i < kSiteCount ? g_site_checks[i].load(std::memory_order_relaxed) : 0;
}

}  // namespace glass::fail_inject
