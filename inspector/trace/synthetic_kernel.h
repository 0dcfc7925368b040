// SyntheticKernel: a tiny stand-in for the kernel's telemetry side, for tests, golden traces, fuzz
// seeds and GUI work without QEMU. It keeps its own frames and page tables and emits exactly the
// events the real kernel is specified to emit, through the same encoder (kernel/telemetry).
//
// Invariants: its digest() is computed by a full scan of its own state with the shared digest
// terms (the kernel's method), never by the model's incremental code, so comparing the two checks
// both. Output is deterministic for a given seed.
#pragma once

#include <stdint.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "protocol/digest.h"
#include "protocol/encoder.h"

namespace glass::inspector {

class SyntheticKernel {
 public:
  explicit SyntheticKernel(uint64_t frame_count = 2048, uint64_t seed = 1);

  // Session.
  void handshake(uint32_t version = telemetry::kProtocolVersion);
  void snapshot();  // SnapshotBegin, the whole state, SnapshotEnd with the digest
  void send_digest();
  // State changes (each emits its events).
  void set_frames(uint64_t first, uint64_t count, uint8_t kind, uint32_t owner);
  uint32_t create_address_space();  // returns the asid
  void destroy_address_space(uint32_t asid);
  // Map npages 4 KiB pages at va to fresh frames through one cursor; unmap through another.
  void map(uint32_t asid, uint64_t va, uint32_t npages, uint8_t cpu);
  void unmap(uint32_t asid, uint64_t va, uint32_t npages, uint8_t cpu);
  // Contention, which the single-CPU kernel never produces: cursor A (CPU 0) maps npages at va
  // and, while it still holds its nodes, cursor B (CPU 1, range [va, va + 2 * npages pages))
  // finds A's root locked and waits for it (lock_waiting); when A is done B acquires the root
  // with the wait as wait_ns and maps the next npages. npages <= 256, inside one 2 MiB table.
  void contend(uint32_t asid, uint64_t va, uint32_t npages);
  void log(const std::string& s);
  void ktap(bool ok, uint64_t n, const std::string& name);
  // Answers to host commands, as the kernel gives them (walk: over the synthetic tables).
  void pong(uint64_t token);
  void answer_walk(uint64_t token, uint32_t asid, uint64_t va);
  void demo_state(telemetry::DemoRun state, uint64_t step, uint32_t cr3_asid,
                  const std::string& label);
  // A seeded mix of everything above.
  void random_activity(int ops);

  // Seal the pending frame; take every byte emitted so far.
  void flush();
  [[nodiscard]] std::vector<uint8_t> take_bytes();
  [[nodiscard]] telemetry::Digest digest() const;
  [[nodiscard]] uint64_t frame_count() const { return frames_.size(); }
  [[nodiscard]] uint32_t next_seq() const { return seq_; }
  // Frames of the stream sealed so far, as [begin, end) offsets into the bytes (for tests that
  // damage one frame).
  [[nodiscard]] const std::vector<std::pair<size_t, size_t>>& frame_spans() const { return spans_; }

 private:
  struct Node {
    uint32_t asid;
    uint8_t level;
    std::array<uint64_t, telemetry::kEntriesPerNode> e{};
  };
  template <typename F>
  void emit(F&& f);
  void emit_entries(uint64_t node, uint32_t first, const uint64_t* v, uint32_t n);
  uint64_t alloc_frame(uint8_t kind, uint32_t owner);
  uint64_t new_node(uint32_t asid, uint8_t level, uint64_t parent, uint32_t index);
  uint64_t leaf_node(uint32_t asid, uint64_t va, uint64_t cursor, std::vector<uint64_t>& locked);
  // Map [va, va + npages pages) for a cursor that already holds the root (locked[0]).
  void map_held(uint32_t asid, uint64_t va, uint32_t npages, uint64_t cursor,
                std::vector<uint64_t>& locked);
  void release_all(uint64_t cursor, const std::vector<uint64_t>& locked);
  uint64_t now() { return t_ += 1000 + rng_() % 5000; }

  std::vector<std::pair<uint8_t, uint32_t>> frames_;
  std::map<uint64_t, Node> nodes_;
  std::map<uint32_t, uint64_t> spaces_;  // asid -> root
  std::unique_ptr<telemetry::FrameBuilder> fb_;
  std::vector<uint8_t> out_;
  std::vector<std::pair<size_t, size_t>> spans_;
  std::mt19937_64 rng_;
  uint32_t seq_ = 0;
  uint32_t next_asid_ = 1;
  uint64_t next_cursor_ = 1;
  uint64_t epoch_ = 0;
  uint64_t t_ = 1'000'000;
  uint64_t hint_ = 0;
};

}  // namespace glass::inspector
