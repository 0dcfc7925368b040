// SyntheticKernel: see the header. Why frames are allocated from a rotating hint: the traces stay
// small and deterministic while still producing scattered runs like a buddy allocator does.
#include "inspector/trace/synthetic_kernel.h"

#include <stdexcept>

#include "mm/phys/frame_kind.h"
#include "protocol/walk.h"

namespace glass::inspector {

namespace te = telemetry::encode;
using mm::FrameKind;

namespace {
constexpr uint8_t k(FrameKind f) {
  return static_cast<uint8_t>(f);
}
constexpr uint64_t kPteFlags = 0x3 | (1ull << 63);  // present, writable, NX
}  // namespace

SyntheticKernel::SyntheticKernel(uint64_t frame_count, uint64_t seed)
    : frames_(frame_count), fb_(std::make_unique<telemetry::FrameBuilder>()), rng_(seed) {
  // Boot layout: low memory reserved, a kernel image, the rest free.
  for (uint64_t p = 0; p < frame_count; ++p) {
    if (p < 256)
      frames_[p] = {k(FrameKind::kReserved), 2};
    else if (p < 320)
      frames_[p] = {k(FrameKind::kKernelImage), 3};
  }
  hint_ = 320;
}

template <typename F>
void SyntheticKernel::emit(F&& f) {
  auto r = f(fb_->writer());
  if (r.is_ok()) return;
  flush();
  auto again = f(fb_->writer());
  if (again.is_error()) throw std::logic_error("synthetic event does not fit an empty frame");
}

void SyntheticKernel::flush() {
  if (fb_->empty()) return;
  uint8_t buf[telemetry::kMaxWireFrame];
  auto n = fb_->seal(seq_++, buf, sizeof buf);
  if (n.is_error()) throw std::logic_error("seal failed");
  spans_.push_back({out_.size(), out_.size() + n.value()});
  out_.insert(out_.end(), buf, buf + n.value());
}

std::vector<uint8_t> SyntheticKernel::take_bytes() {
  flush();
  return out_;
}

void SyntheticKernel::handshake(uint32_t version) {
  telemetry::HandshakeInfo h;
  h.boot_id = 0xb007 + rng_() % 1000;
  h.build_id = 0x600d;
  h.ram_bytes = frames_.size() * 4096;
  h.frame_count = frames_.size();
  h.cpu_count = 2;
  h.version = version;
  out_.push_back(0);  // resync marker, as the kernel sends on attach
  emit([&](auto& w) { return te::handshake(w, h); });
}

telemetry::Digest SyntheticKernel::digest() const {
  telemetry::DigestAccumulator a;
  for (size_t p = 0; p < frames_.size(); ++p)
    a.add_frames(p, 1, frames_[p].first, frames_[p].second);
  for (auto [asid, root] : spaces_) a.add_as(asid, root);
  for (const auto& [pfn, n] : nodes_) {
    a.add_node(pfn, n.asid, n.level);
    for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i) a.add_entry(pfn, i, n.e[i]);
  }
  return a.value();
}

void SyntheticKernel::snapshot() {
  ++epoch_;
  emit([&](auto& w) { return te::snapshot_begin(w, epoch_, frames_.size()); });
  // Runs of non-free frames (free is the state a snapshot starts from).
  for (uint64_t p = 0; p < frames_.size();) {
    uint64_t q = p + 1;
    while (q < frames_.size() && frames_[q] == frames_[p]) ++q;
    if (frames_[p].first != k(FrameKind::kFree) || frames_[p].second != 0)
      emit(
          [&](auto& w) { return te::frame_run(w, p, q - p, frames_[p].first, frames_[p].second); });
    p = q;
  }
  for (const auto& space : spaces_)
    emit([&](auto& w) { return te::as_created(w, space.first, space.second); });
  // Parents before children: emit nodes level 4 down to 1.
  for (int level = 4; level >= 1; --level)
    for (const auto& [pfn, n] : nodes_) {
      if (n.level != level) continue;
      uint64_t parent = 0;
      uint32_t index = 0;
      for (const auto& [ppfn, pn] : nodes_)
        for (uint32_t i = 0; i < telemetry::kEntriesPerNode && !parent; ++i)
          if (pn.level == level + 1 && (pn.e[i] & 1) && (pn.e[i] >> 12 & 0xffffffffffull) == pfn) {
            parent = ppfn;
            index = i;
          }
      uint32_t asid = n.asid;
      uint8_t lvl = n.level;
      uint64_t self = pfn;
      emit([&](auto& w) { return te::node_created(w, asid, lvl, self, parent, index); });
    }
  for (const auto& [pfn, n] : nodes_)
    for (uint32_t i = 0; i < telemetry::kEntriesPerNode;) {
      if (n.e[i] == 0) {
        ++i;
        continue;
      }
      uint32_t j = i;
      while (j < telemetry::kEntriesPerNode && n.e[j] != 0) ++j;
      emit_entries(pfn, i, &n.e[i], j - i);
      i = j;
    }
  telemetry::Digest d = digest();
  emit([&](auto& w) { return te::digest(w, true, epoch_, d.frames, d.tables); });
}

void SyntheticKernel::send_digest() {
  telemetry::Digest d = digest();
  emit([&](auto& w) { return te::digest(w, false, epoch_, d.frames, d.tables); });
}

void SyntheticKernel::emit_entries(uint64_t node, uint32_t first, const uint64_t* v, uint32_t n) {
  while (n > 0) {
    auto r = te::entries(fb_->writer(), node, first, v, n);
    if (r.is_error()) {
      flush();
      continue;
    }
    first += r.value();
    v += r.value();
    n -= r.value();
  }
}

void SyntheticKernel::set_frames(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner) {
  for (uint64_t p = first; p < first + count; ++p) frames_[p] = {kind, owner};
  emit([&](auto& w) { return te::frame_run(w, first, count, kind, owner); });
}

uint64_t SyntheticKernel::alloc_frame(uint8_t kind, uint32_t owner) {
  for (uint64_t i = 0; i < frames_.size(); ++i) {
    uint64_t p = 320 + (hint_ - 320 + i) % (frames_.size() - 320);
    if (frames_[p].first == k(FrameKind::kFree)) {
      hint_ = p + 1 + rng_() % 3;
      set_frames(p, 1, kind, owner);
      return p;
    }
  }
  throw std::runtime_error("synthetic kernel out of frames");
}

uint64_t SyntheticKernel::new_node(uint32_t asid, uint8_t level, uint64_t parent, uint32_t index) {
  uint64_t pfn = alloc_frame(k(FrameKind::kPageTable), 0x100 + asid);
  nodes_[pfn] = Node{asid, level, {}};
  emit([&](auto& w) { return te::node_created(w, asid, level, pfn, parent, index); });
  if (parent) {
    uint64_t v = (pfn << 12) | 0x3;
    nodes_[parent].e[index] = v;
    emit_entries(parent, index, &v, 1);
  }
  return pfn;
}

uint32_t SyntheticKernel::create_address_space() {
  uint32_t asid = next_asid_++;
  uint64_t root = new_node(asid, 4, 0, 0);
  spaces_[asid] = root;
  emit([&](auto& w) { return te::as_created(w, asid, root); });
  return asid;
}

void SyntheticKernel::destroy_address_space(uint32_t asid) {
  // Free the tree bottom-up.
  for (int level = 1; level <= 4; ++level)
    for (auto it = nodes_.begin(); it != nodes_.end();) {
      if (it->second.asid == asid && it->second.level == level) {
        uint64_t pfn = it->first;
        emit([&](auto& w) { return te::node_freed(w, asid, pfn); });
        set_frames(pfn, 1, k(FrameKind::kFree), 0);
        it = nodes_.erase(it);
      } else {
        ++it;
      }
    }
  spaces_.erase(asid);
  emit([&](auto& w) { return te::as_destroyed(w, asid); });
}

// The level-1 node covering va, created (with its ancestors) as needed, each new node locked by
// the cursor as the real cursor does.
uint64_t SyntheticKernel::leaf_node(uint32_t asid, uint64_t va, uint64_t cursor,
                                    std::vector<uint64_t>& locked) {
  uint64_t n = spaces_.at(asid);
  for (uint8_t level = 4; level > 1; --level) {
    uint32_t idx = (va >> (12 + 9 * (level - 1))) & 511;
    uint64_t e = nodes_[n].e[idx];
    if (e & 1) {
      n = (e >> 12) & 0xffffffffffull;
    } else {
      n = new_node(asid, level - 1, n, idx);
      uint64_t t = now();
      emit([&](auto& w) { return te::lock_acquired(w, cursor, n, 0, t); });
      locked.push_back(n);
    }
  }
  return n;
}

void SyntheticKernel::map(uint32_t asid, uint64_t va, uint32_t npages, uint8_t cpu) {
  uint64_t cursor = next_cursor_++;
  uint64_t root = spaces_.at(asid);
  uint64_t t0 = now();
  emit([&](auto& w) {
    return te::cursor_begin(w, cursor, cpu, asid, va, va + npages * 4096ull, root, t0);
  });
  uint64_t wait = rng_() % 4 == 0 ? 200 + rng_() % 20000 : 0;
  uint64_t t1 = now();
  emit([&](auto& w) { return te::lock_acquired(w, cursor, root, wait, t1); });
  std::vector<uint64_t> locked{root};
  map_held(asid, va, npages, cursor, locked);
  release_all(cursor, locked);
  uint64_t t3 = now();
  emit([&](auto& w) { return te::cursor_end(w, cursor, t3); });
}

void SyntheticKernel::map_held(uint32_t asid, uint64_t va, uint32_t npages, uint64_t cursor,
                               std::vector<uint64_t>& locked) {
  uint64_t p = va;
  while (p < va + npages * 4096ull) {
    uint64_t leaf = leaf_node(asid, p, cursor, locked);
    uint32_t idx = (p >> 12) & 511;
    uint32_t n =
        static_cast<uint32_t>(std::min<uint64_t>(512 - idx, (va + npages * 4096ull - p) >> 12));
    uint64_t frame = alloc_frame(k(FrameKind::kFolio), 0x100 + asid);
    // Allocate the rest as one contiguous run when the frames happen to be free.
    std::vector<uint64_t> vals(n);
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t f = frame + i;
      if (i > 0) {
        if (f >= frames_.size() || frames_[f].first != k(FrameKind::kFree))
          f = alloc_frame(k(FrameKind::kFolio), 0x100 + asid);
        else
          set_frames(f, 1, k(FrameKind::kFolio), 0x100 + asid);
      }
      vals[i] = (f << 12) | kPteFlags;
    }
    for (uint32_t i = 0; i < n; ++i) nodes_[leaf].e[idx + i] = vals[i];
    emit_entries(leaf, idx, vals.data(), n);
    p += n * 4096ull;
  }
}

void SyntheticKernel::release_all(uint64_t cursor, const std::vector<uint64_t>& locked) {
  uint64_t t = now();
  for (auto it = locked.rbegin(); it != locked.rend(); ++it)
    emit([&](auto& w) { return te::lock_released(w, cursor, *it, t); });
}

void SyntheticKernel::contend(uint32_t asid, uint64_t va, uint32_t npages) {
  if (npages == 0 || npages > 256 || ((va >> 12) & 511) + 2 * npages > 512)
    throw std::invalid_argument("contend: 1..256 pages, both halves in one page table");
  const uint64_t root = spaces_.at(asid);
  const uint64_t a = next_cursor_++, b = next_cursor_++;
  const uint64_t end_a = va + npages * 4096ull, end_b = va + 2 * npages * 4096ull;
  uint64_t t = now();
  emit([&](auto& w) { return te::cursor_begin(w, a, 0, asid, va, end_a, root, t); });
  t = now();
  emit([&](auto& w) { return te::lock_acquired(w, a, root, 0, t); });
  std::vector<uint64_t> held_a{root};
  map_held(asid, va, npages, a, held_a);
  // B arrives while A still holds every node down to the page table.
  t = now();
  emit([&](auto& w) { return te::cursor_begin(w, b, 1, asid, va, end_b, root, t); });
  const uint64_t wait_from = now();
  emit([&](auto& w) { return te::lock_waiting(w, b, root, wait_from); });
  release_all(a, held_a);
  t = now();
  emit([&](auto& w) { return te::cursor_end(w, a, t); });
  const uint64_t got = now();
  emit([&](auto& w) { return te::lock_acquired(w, b, root, got - wait_from, got); });
  std::vector<uint64_t> held_b{root};
  map_held(asid, end_a, npages, b, held_b);
  release_all(b, held_b);
  t = now();
  emit([&](auto& w) { return te::cursor_end(w, b, t); });
}

void SyntheticKernel::unmap(uint32_t asid, uint64_t va, uint32_t npages, uint8_t cpu) {
  uint64_t cursor = next_cursor_++;
  uint64_t root = spaces_.at(asid);
  uint64_t t0 = now();
  emit([&](auto& w) {
    return te::cursor_begin(w, cursor, cpu, asid, va, va + npages * 4096ull, root, t0);
  });
  uint64_t t1 = now();
  emit([&](auto& w) { return te::lock_acquired(w, cursor, root, 0, t1); });
  for (uint64_t p = va; p < va + npages * 4096ull;) {
    uint64_t n = root;
    for (uint8_t level = 4; level > 1 && n; --level) {
      uint64_t e = nodes_[n].e[(p >> (12 + 9 * (level - 1))) & 511];
      n = (e & 1) ? (e >> 12) & 0xffffffffffull : 0;
    }
    uint32_t idx = (p >> 12) & 511;
    uint32_t cnt =
        static_cast<uint32_t>(std::min<uint64_t>(512 - idx, (va + npages * 4096ull - p) >> 12));
    if (n) {
      std::vector<uint64_t> zeros(cnt, 0);
      for (uint32_t i = 0; i < cnt; ++i) {
        uint64_t e = nodes_[n].e[idx + i];
        if (e & 1) set_frames((e >> 12) & 0xffffffffffull, 1, k(FrameKind::kFree), 0);
        nodes_[n].e[idx + i] = 0;
      }
      emit_entries(n, idx, zeros.data(), cnt);
    }
    p += cnt * 4096ull;
  }
  uint64_t t2 = now();
  emit([&](auto& w) { return te::lock_released(w, cursor, root, t2); });
  emit([&](auto& w) { return te::cursor_end(w, cursor, t2 + 10); });
}

void SyntheticKernel::log(const std::string& s) {
  uint64_t t = now();
  emit([&](auto& w) { return te::log(w, telemetry::LogLevel::kInfo, t, s.data(), s.size()); });
}

void SyntheticKernel::ktap(bool ok, uint64_t n, const std::string& name) {
  emit([&](auto& w) {
    return te::ktap(w, ok ? telemetry::KtapStatus::kOk : telemetry::KtapStatus::kNotOk, n,
                    name.data(), name.size());
  });
}

void SyntheticKernel::pong(uint64_t token) {
  emit([&](auto& w) { return te::pong(w, token); });
}

void SyntheticKernel::answer_walk(uint64_t token, uint32_t asid, uint64_t va) {
  telemetry::WalkLevel levels[telemetry::kMaxLevel];
  uint8_t count = 0;
  auto status = telemetry::WalkStatus::kUnknownAsid;
  auto it = spaces_.find(asid);
  if (!telemetry::is_canonical_va(va)) {
    status = telemetry::WalkStatus::kNonCanonical;
  } else if (it != spaces_.end()) {
    auto read = [this](uint64_t pfn, unsigned index, uint64_t& entry) {
      auto n = nodes_.find(pfn);
      if (n == nodes_.end()) return false;
      entry = n->second.e[index];
      return true;
    };
    status = telemetry::walk_tables(it->second, va, read, levels, count);
  }
  emit([&](auto& w) { return te::walk_result(w, token, asid, va, status, levels, count); });
}

void SyntheticKernel::demo_state(telemetry::DemoRun state, uint64_t step, uint32_t cr3_asid,
                                 const std::string& label) {
  emit([&](auto& w) {
    return te::demo_state(w, state, step, cr3_asid, label.data(), label.size());
  });
}

void SyntheticKernel::random_activity(int ops) {
  if (spaces_.empty()) create_address_space();
  for (int i = 0; i < ops; ++i) {
    uint32_t asid = spaces_.begin()->first;
    uint64_t va = 0x400000ull + (rng_() % 64) * 0x200000ull + (rng_() % 512) * 4096;
    uint32_t pages = 1 + rng_() % 40;
    uint32_t room = 512 - static_cast<uint32_t>((va >> 12) & 511);
    if (pages > room) pages = room;
    switch (rng_() % 6) {
      case 0:
      case 1: {
        // Map only over empty slots, as the real map() refuses to map over a mapping.
        unmap(asid, va, pages, static_cast<uint8_t>(rng_() % 2));
        map(asid, va, pages, static_cast<uint8_t>(rng_() % 2));
        break;
      }
      case 2:
        unmap(asid, va, pages, static_cast<uint8_t>(rng_() % 2));
        break;
      case 3: {
        uint64_t f = alloc_frame(k(FrameKind::kSlab), 0x200 + rng_() % 4);
        (void)f;
        break;
      }
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
