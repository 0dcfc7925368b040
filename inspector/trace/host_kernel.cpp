// HostKernel: see the header. Why a counter clock: traces of the same seed must be byte-equal
// (golden files); why rings for every CPU id: a host thread may get any id below kMaxCpus.
#include "inspector/trace/host_kernel.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <thread>

#include "mm/mm.h"
#include "mm/phys/folio.h"
#include "mm/phys/frames.h"
#include "mm/phys/host_arena.h"
#include "mm/phys/platform.h"
#include "mm/virt/page_table.h"
#include "mm/virt/pt_cursor.h"
#include "protocol/framer.h"
#include "protocol/walk.h"
#include "telemetry/drain.h"
#include "telemetry/recorder.h"
#include "telemetry/snapshot.h"

namespace glass::inspector {

namespace te = telemetry::encode;
namespace {

constexpr uint32_t kRingRecords = 8192;
constexpr size_t kTxBytes = 4u << 20;
std::atomic<bool> g_exists{false};
std::atomic<uint64_t> g_clock{1'000'000};

uint64_t counter_clock() {
  return g_clock.fetch_add(1000, std::memory_order_relaxed);
}
uint64_t same_ns(uint64_t t) {
  return t;
}
[[noreturn]] void fail(const std::string& what, Error e) {
  throw std::runtime_error("host kernel: " + what + ": " + error_name(e));
}
template <typename T>
T must(Result<T> r, const char* what) {
  if (r.is_error()) fail(what, r.error());
  return std::move(r.value());
}
void must(Result<void> r, const char* what) {
  if (r.is_error()) fail(what, r.error());
}

}  // namespace

struct HostKernel::Impl {
  // Not value-initialised on purpose: 64 rings and the transmit buffer are ~33 MB, of which a
  // test touches a few pages; zeroing them cost ~100 ms per HostKernel under ASan.
  std::unique_ptr<telemetry::Record[]> storage;
  telemetry::EventRing rings[platform::kMaxCpus];
  std::unique_ptr<uint8_t[]> tx;
  telemetry::Framer framer;
  telemetry::Drain drain{same_ns};
  std::map<uint32_t, std::unique_ptr<mm::PageTable>> spaces;  // asid -> table
  std::vector<std::pair<mm::PhysAddr, unsigned>> frames;      // alloc_frames: to free at the end
  uint32_t next_owner = mm::kOwnerDynamicBase + 1;
  uint64_t epoch = 0;
  uint64_t seed = 0;
};

HostKernel::HostKernel(uint64_t frame_count, uint64_t seed)
    : impl_(std::make_unique<Impl>()), rng_(seed) {
  if (g_exists.exchange(true)) throw std::logic_error("host kernel: one at a time (mm is global)");
  if (frame_count < 2048) frame_count = 2048;
  const uint64_t bytes = frame_count * mm::kFrameSize;
  mm::host::arena_create(bytes);
  mm::BootMemory b;
  (void)b.add_available(0, 0x9FC00);  // low memory: never handed out
  (void)b.add_available(1ull << 20, bytes - (1ull << 20));
  (void)b.add_reserved(1ull << 20, 1ull << 20, mm::FrameKind::kKernelImage);
  must(mm::init(b), "mm init");
  telemetry::recorder::host_reset();  // tables of an earlier mm are not ours
  Impl& k = *impl_;
  k.seed = seed;
  k.storage.reset(new telemetry::Record[size_t{kRingRecords} * platform::kMaxCpus]);
  for (unsigned c = 0; c < platform::kMaxCpus; ++c)
    k.rings[c].attach(k.storage.get() + size_t{c} * kRingRecords, kRingRecords);
  k.tx.reset(new uint8_t[kTxBytes]);
  k.framer.attach(k.tx.get(), kTxBytes);
  g_clock.store(1'000'000);
  telemetry::recorder::set_clock(counter_clock);
  // Like the kernel, nothing is recorded until the first snapshot (a host attaching).
}

HostKernel::~HostKernel() {
  telemetry::recorder::stop();
  telemetry::recorder::set_clock(nullptr);
  impl_->spaces.clear();  // page tables go (their leaf folios stay: mm is forgotten next)
  mm::host_reset();
  telemetry::recorder::host_reset();
  mm::host::arena_destroy();
  g_exists.store(false);
}

void HostKernel::collect() {
  telemetry::Framer& f = impl_->framer;
  const uint8_t* p = f.pending();
  const size_t n = f.pending_size();
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) continue;
    if (i > start) spans_.push_back({out_.size() + start, out_.size() + i + 1});
    start = i + 1;
  }
  out_.insert(out_.end(), p, p + n);
  f.consumed(n);
}

void HostKernel::drain() {
  Impl& k = *impl_;
  while (!k.drain.drain(k.framer, k.rings, platform::kMaxCpus)) {
    (void)k.framer.seal();
    collect();
  }
  collect();
}

void HostKernel::flush() {
  drain();
  (void)impl_->framer.seal();
  collect();
}

std::vector<uint8_t> HostKernel::take_bytes() {
  flush();
  return out_;
}

namespace {
template <typename F>
void emit(telemetry::Framer& f, F&& enc, const char* what) {
  if (!f.emit(enc))
    throw std::runtime_error(std::string("host kernel: transmit buffer full: ") + what);
}
}  // namespace

void HostKernel::handshake(uint32_t version) {
  drain();
  (void)impl_->framer.seal();
  collect();
  if (!impl_->framer.resync_marker()) throw std::runtime_error("host kernel: buffer full");
  telemetry::HandshakeInfo h;
  h.boot_id = 0xb007 + impl_->seed % 1000;
  h.build_id = 0x600d;
  h.ram_bytes = mm::stats().usable_frames * mm::kFrameSize;
  h.frame_count = mm::frame_table().size();
  h.cpu_count = 2;
  h.version = version;
  emit(
      impl_->framer, [&](auto& w) { return te::handshake(w, h); }, "handshake");
  collect();
}

void HostKernel::snapshot() {
  Impl& k = *impl_;
  drain();
  telemetry::recorder::stop();  // the snapshot replaces what the rings describe (none: drained)
  ++k.epoch;
  const uint64_t frames = mm::frame_table().size();
  emit(
      k.framer, [&](auto& w) { return te::snapshot_begin(w, k.epoch, frames); }, "snapshot");
  if (!telemetry::snapshot_body(k.framer)) throw std::runtime_error("host kernel: snapshot full");
  const telemetry::Digest d = telemetry::full_digest();
  emit(
      k.framer, [&](auto& w) { return te::digest(w, true, k.epoch, d.frames, d.tables); },
      "snapshot_end");
  (void)k.framer.seal();
  collect();
  telemetry::recorder::start(k.rings, true);
}

void HostKernel::send_digest() {
  drain();
  const telemetry::Digest d = telemetry::full_digest();
  emit(
      impl_->framer,
      [&](auto& w) { return te::digest(w, false, impl_->epoch, d.frames, d.tables); }, "digest");
  collect();
}

telemetry::Digest HostKernel::digest() const {
  return telemetry::full_digest();
}

uint64_t HostKernel::frame_count() const {
  return mm::frame_table().size();
}

uint32_t HostKernel::next_seq() const {
  return static_cast<uint32_t>(impl_->framer.frames());
}

uint32_t HostKernel::create_address_space() {
  const uint32_t owner = impl_->next_owner++;
  auto pt = must(mm::PageTable::create_user(owner, nullptr), "create address space");
  impl_->spaces[owner] = std::make_unique<mm::PageTable>(std::move(pt));
  drain();
  return owner;
}

namespace {
// Runs f on this thread (cpu 0) or on a second host thread (another CPU of the host's choosing).
void on_cpu(uint8_t cpu, const std::function<void()>& f) {
  if (cpu == 0) return f();
  std::exception_ptr err;
  std::thread t([&] {
    try {
      f();
    } catch (...) {
      err = std::current_exception();
    }
  });
  t.join();
  if (err) std::rethrow_exception(err);
}

void map_pages(mm::PageTable& pt, uint64_t va, uint32_t npages) {
  mm::CursorMut c = must(mm::CursorMut::create(pt, va, va + npages * mm::kFrameSize), "cursor");
  for (uint32_t i = 0; i < npages; ++i) {
    mm::Folio f = must(mm::Folio::alloc(0, pt.owner()), "folio");
    const mm::PhysAddr phys = std::move(f).into_phys();  // the entry holds the reference
    must(c.map(phys, 1, mm::PageProp{.write = true, .user = true}), "map");
  }
}

void unmap_pages(mm::PageTable& pt, uint64_t va, uint64_t bytes) {
  mm::CursorMut c = must(mm::CursorMut::create(pt, va, va + bytes), "cursor");
  for (;;) {
    mm::Taken t = must(c.take_next(va + bytes - c.va()), "take");
    if (t.kind == mm::Taken::Kind::kNone) return;
    if (t.kind == mm::Taken::Kind::kSubtree) {
      c.defer_free(std::move(t.tree));
    } else if (auto f = mm::Folio::adopt_phys(t.phys); f.is_ok()) {
      // The reference the entry held ends here (the folio frees at zero).
      mm::Folio drop = std::move(f.value());
    }
  }
}
}  // namespace

void HostKernel::destroy_address_space(uint32_t asid) {
  auto it = impl_->spaces.find(asid);
  if (it == impl_->spaces.end())
    throw std::invalid_argument("no address space " + std::to_string(asid));
  unmap_pages(*it->second, 0, 0x800000000000ull);  // the user half: its folios go back
  impl_->spaces.erase(it);
  drain();
}

void HostKernel::map(uint32_t asid, uint64_t va, uint32_t npages, uint8_t cpu) {
  mm::PageTable& pt = *impl_->spaces.at(asid);
  on_cpu(cpu, [&] { map_pages(pt, va, npages); });
  drain();
}

void HostKernel::unmap(uint32_t asid, uint64_t va, uint32_t npages, uint8_t cpu) {
  mm::PageTable& pt = *impl_->spaces.at(asid);
  on_cpu(cpu, [&] { unmap_pages(pt, va, uint64_t{npages} * mm::kFrameSize); });
  drain();
}

void HostKernel::alloc_frames(unsigned order) {
  const mm::PhysAddr p =
      must(mm::alloc_frames(order, mm::FrameKind::kSlab, mm::kOwnerDynamicBase), "alloc frames");
  impl_->frames.push_back({p, order});
  drain();
}

void HostKernel::contend(uint32_t asid, uint64_t va, uint32_t npages) {
  constexpr uint64_t k2M = 2ull << 20;
  if (npages == 0 || npages > 256 || ((va >> 12) & 511) + 2 * npages > 512)
    throw std::invalid_argument("contend: 1..256 pages, both halves in one page table");
  mm::PageTable& pt = *impl_->spaces.at(asid);
  drain();  // every ring empty: B's ring then holds B's records only
  const uint64_t end_a = va + npages * mm::kFrameSize;
  const uint64_t b_start = va & ~(k2M - 1), b_end = b_start + 2 * k2M;
  std::atomic<int> b_cpu{-1};
  std::exception_ptr err;
  {
    mm::CursorMut a = must(mm::CursorMut::create(pt, va, end_a), "cursor A");
    for (uint32_t i = 0; i < npages; ++i) {
      mm::Folio f = must(mm::Folio::alloc(0, pt.owner()), "folio");
      must(a.map(std::move(f).into_phys(), 1, mm::PageProp{.write = true, .user = true}), "map");
    }
    std::thread b([&] {
      try {
        b_cpu.store(static_cast<int>(platform::current_cpu()));
        mm::CursorMut c = must(mm::CursorMut::create(pt, b_start, b_end), "cursor B");
        must(c.jump(end_a), "jump");
        for (uint32_t i = 0; i < npages; ++i) {
          mm::Folio f = must(mm::Folio::alloc(0, pt.owner()), "folio");
          must(c.map(std::move(f).into_phys(), 1, mm::PageProp{.write = true, .user = true}),
               "map");
        }
      } catch (...) {
        err = std::current_exception();
      }
    });
    // Hold A until B says it waits: cursor_begin, its covering lock, lock_waiting (bounded).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (telemetry::recorder::recording() &&
           (b_cpu.load() < 0 || impl_->rings[b_cpu.load()].queued() < 3) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    // Drained now, while A holds and B waits, so the stream interleaves the two CPUs as they
    // happened (a drain takes each ring whole, in CPU order).
    drain();
    {
      mm::CursorMut drop = std::move(a);  // A's locks go here, while B spins
    }
    b.join();
  }
  if (err) std::rethrow_exception(err);
  drain();
}

void HostKernel::log(const std::string& s) {
  const uint64_t t = counter_clock();
  emit(
      impl_->framer,
      [&](auto& w) { return te::log(w, telemetry::LogLevel::kInfo, t, s.data(), s.size()); },
      "log");
  collect();
}

void HostKernel::ktap(bool ok, uint64_t n, const std::string& name) {
  emit(
      impl_->framer,
      [&](auto& w) {
        return te::ktap(w, ok ? telemetry::KtapStatus::kOk : telemetry::KtapStatus::kNotOk, n,
                        name.data(), name.size());
      },
      "ktap");
  collect();
}

void HostKernel::pong(uint64_t token) {
  emit(
      impl_->framer, [&](auto& w) { return te::pong(w, token); }, "pong");
  collect();
}

void HostKernel::answer_walk(uint64_t token, uint32_t asid, uint64_t va) {
  drain();  // a walk_result describes the state after every event before it
  telemetry::WalkLevel levels[telemetry::kMaxLevel];
  uint8_t count = 0;
  auto status = telemetry::WalkStatus::kUnknownAsid;
  auto it = impl_->spaces.find(asid);
  if (!telemetry::is_canonical_va(va)) {
    status = telemetry::WalkStatus::kNonCanonical;
  } else if (it != impl_->spaces.end()) {
    auto read = [](uint64_t pfn, unsigned index, uint64_t& entry) {
      if (!mm::frame_table().contains(static_cast<mm::Pfn>(pfn))) return false;
      entry = static_cast<const uint64_t*>(mm::platform::phys_to_virt(pfn << 12))[index];
      return true;
    };
    status = telemetry::walk_tables(it->second->root_phys() >> 12, va, read, levels, count);
  }
  emit(
      impl_->framer,
      [&](auto& w) { return te::walk_result(w, token, asid, va, status, levels, count); },
      "walk_result");
  collect();
}

void HostKernel::demo_state(telemetry::DemoRun state, uint64_t step, uint32_t cr3_asid,
                            const std::string& label) {
  emit(
      impl_->framer,
      [&](auto& w) { return te::demo_state(w, state, step, cr3_asid, label.data(), label.size()); },
      "demo_state");
  collect();
}

void HostKernel::random_activity(int ops) {
  if (impl_->spaces.empty()) create_address_space();
  for (int i = 0; i < ops; ++i) {
    const uint32_t asid = impl_->spaces.begin()->first;
    const uint64_t va = 0x400000ull + (rng_() % 64) * 0x200000ull + (rng_() % 512) * 4096;
    uint32_t pages = 1 + rng_() % 40;
    const uint32_t room = 512 - static_cast<uint32_t>((va >> 12) & 511);
    if (pages > room) pages = room;
    switch (rng_() % 6) {
      case 0:
      case 1:
        // Map only over empty slots: the cursor refuses to map over a mapping.
        unmap(asid, va, pages);
        map(asid, va, pages);
        break;
      case 2:
        unmap(asid, va, pages);
        break;
      case 3:
        alloc_frames(0);
        break;
      case 4:
        send_digest();
        break;
      default:
        log("op " + std::to_string(i));
        break;
    }
  }
}

}  // namespace glass::inspector
