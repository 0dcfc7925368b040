// A hand-driven kernel for the view tests: it writes real wire bytes (the shared encoder) for a
// tree with 4 KiB, 2 MiB and 1 GiB leaves, cursors, locks, folios and log lines, and replays them
// through StreamDecoder + StateModel, the path the inspector uses. Page-table frames come from a
// bump allocator starting at kFirstTablePfn so tests can name them.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "mm/phys/frame_kind.h"
#include "protocol/encoder.h"

namespace glass::inspector::testing {

namespace te = telemetry::encode;

inline constexpr uint8_t kind(mm::FrameKind k) {
  return static_cast<uint8_t>(k);
}

class Wire {
 public:
  static constexpr uint64_t kFirstTablePfn = 0x100;
  static constexpr uint64_t kP = 1, kW = 2, kU = 4, kPs = 1ull << 7, kNx = 1ull << 63;

  // Opens a session: handshake and snapshot_begin (the model stays "in snapshot", so
  // contradictions are recorded as problems).
  explicit Wire(uint64_t frames = 4096) : frames_(frames) {
    telemetry::HandshakeInfo h;
    h.boot_id = 7;
    h.frame_count = frames;
    h.ram_bytes = frames * 4096;
    h.cpu_count = 2;
    out_.push_back(0);
    emit([&](auto& w) { return te::handshake(w, h); });
    emit([&](auto& w) { return te::snapshot_begin(w, 1, frames); });
  }

  template <typename F>
  void emit(F&& f) {
    if (f(fb_.writer()).is_ok()) return;
    seal();
    ASSERT_TRUE(f(fb_.writer()).is_ok()) << "event does not fit an empty frame";
  }
  void seal() {
    if (fb_.empty()) return;
    uint8_t buf[telemetry::kMaxWireFrame];
    auto n = fb_.seal(seq_++, buf, sizeof buf);
    ASSERT_TRUE(n.is_ok());
    out_.insert(out_.end(), buf, buf + n.value());
  }
  std::vector<uint8_t> bytes() {
    seal();
    return out_;
  }
  StateModel model() {
    StateModel m;
    StreamDecoder d;
    std::vector<StreamItem> items;
    auto b = bytes();
    d.feed(b.data(), b.size(), items);
    d.finish(items);
    for (const auto& it : items) m.apply(it);
    return m;
  }

  void frames(uint64_t first, uint64_t count, uint8_t k, uint32_t owner = 0) {
    emit([&](auto& w) { return te::frame_run(w, first, count, k, owner); });
  }
  uint64_t new_table(uint32_t asid, uint8_t level, uint64_t parent, uint32_t index) {
    uint64_t pfn = next_table_++;
    frames(pfn, 1, kind(mm::FrameKind::kPageTable), 0x100 + asid);
    emit([&](auto& w) { return te::node_created(w, asid, level, pfn, parent, index); });
    tables_[pfn] = level;
    if (parent) set_entry(parent, index, (pfn << 12) | kP | kW | kU);
    return pfn;
  }
  uint32_t space(uint32_t asid) {
    uint64_t root = new_table(asid, 4, 0, 0);
    emit([&](auto& w) { return te::as_created(w, asid, root); });
    roots_[asid] = root;
    return asid;
  }
  uint64_t root(uint32_t asid) { return roots_.at(asid); }
  void set_entry(uint64_t node, uint32_t index, uint64_t value) {
    entries_[{node, index}] = value;
    emit([&](auto& w) { return te::entries(w, node, index, &value, 1); });
  }
  // The table of `level` on va's path, created as needed.
  uint64_t table_for(uint32_t asid, uint64_t va, uint8_t level) {
    uint64_t n = roots_.at(asid);
    for (uint8_t l = 4; l > level; --l) {
      uint32_t idx = (va >> (12 + 9 * (l - 1))) & 511;
      auto it = entries_.find({n, idx});
      if (it != entries_.end() && (it->second & kP)) {
        n = (it->second >> 12) & 0xffffffffffull;
      } else {
        n = new_table(asid, static_cast<uint8_t>(l - 1), n, idx);
      }
    }
    return n;
  }
  // A leaf at `level` (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) mapping va to phys with flags (P added).
  uint64_t map(uint32_t asid, uint64_t va, uint8_t level, uint64_t phys, uint64_t flags) {
    uint64_t t = table_for(asid, va, level);
    uint32_t idx = (va >> (12 + 9 * (level - 1))) & 511;
    set_entry(t, idx, phys | flags | kP | (level > 1 ? kPs : 0));
    return t;
  }
  void cursor(uint64_t id, uint8_t cpu, uint32_t asid, uint64_t va, uint64_t end, uint64_t t) {
    emit([&](auto& w) { return te::cursor_begin(w, id, cpu, asid, va, end, roots_[asid], t); });
  }
  void cursor_end(uint64_t id, uint64_t t) {
    emit([&](auto& w) { return te::cursor_end(w, id, t); });
  }
  void lock(uint64_t id, uint64_t node, uint64_t wait, uint64_t t) {
    emit([&](auto& w) { return te::lock_acquired(w, id, node, wait, t); });
  }
  void unlock(uint64_t id, uint64_t node, uint64_t t) {
    emit([&](auto& w) { return te::lock_released(w, id, node, t); });
  }
  void wait(uint64_t id, uint64_t node, uint64_t t) {
    emit([&](auto& w) { return te::lock_waiting(w, id, node, t); });
  }
  void folio(uint64_t first, uint64_t count, uint32_t refs) {
    emit([&](auto& w) { return te::folio_ref(w, first, count, refs); });
  }
  void log(const std::string& s, uint64_t t) {
    emit([&](auto& w) { return te::log(w, telemetry::LogLevel::kInfo, t, s.data(), s.size()); });
  }
  void ktap(telemetry::KtapStatus st, uint64_t n, const std::string& name) {
    emit([&](auto& w) { return te::ktap(w, st, n, name.data(), name.size()); });
  }
  void panic(uint8_t cpu, uint64_t t, const std::string& s) {
    emit([&](auto& w) { return te::panic(w, cpu, t, s.data(), s.size()); });
  }
  void snapshot_begin(uint64_t epoch) {
    emit([&](auto& w) { return te::snapshot_begin(w, epoch, frames_); });
  }

 private:
  uint64_t frames_;
  telemetry::FrameBuilder fb_;
  std::vector<uint8_t> out_;
  uint32_t seq_ = 0;
  uint64_t next_table_ = kFirstTablePfn;
  std::map<uint64_t, uint8_t> tables_;
  std::map<uint32_t, uint64_t> roots_;
  std::map<std::pair<uint64_t, uint32_t>, uint64_t> entries_;
};

}  // namespace glass::inspector::testing
