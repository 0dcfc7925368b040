// HostKernel: the kernel's recording side on the host, driving the real mm. It boots mm on a
// simulated physical-RAM arena, records through the same hooks, rings, drain and snapshot code
// the kernel uses (mm/phys/mm_events.h, telemetry/), and frames them with the same Framer, so
// its bytes are what a kernel doing the same operations would send. For tests, golden traces,
// `glass-trace synth`, the inspector benchmark and GUI work without QEMU.
//
// Invariants:
//  - At most one HostKernel exists at a time (mm is one global; a second throws). It owns mm
//    from construction to destruction: nothing else may use mm meanwhile.
//  - Every state change goes through real mm calls (buddy, folios, page tables, cursors): no
//    event here is written by hand except the channel's own (handshake, snapshot frame, digest,
//    log, ktap, pong, walk_result, demo_state), which the kernel's channel writes too.
//  - digest() is the kernel's full scan (telemetry/snapshot.h), never the model's incremental
//    code, so comparing the two checks both.
//  - As in the kernel, mm's hooks record from the first snapshot() on (a host attaching);
//    operations before it reach the stream only through that snapshot.
//  - Deterministic for a seed on one thread: time stamps come from a counter clock, not the TSC
//    (contend() uses a second thread, so its interleaving is not).
#pragma once

#include <stdint.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "protocol/digest.h"
#include "protocol/encoder.h"

namespace glass::inspector {

class HostKernel {
 public:
  // frame_count: frames of simulated RAM (at least 2048: mm needs low memory and its table).
  explicit HostKernel(uint64_t frame_count = 2048, uint64_t seed = 1);
  ~HostKernel();
  HostKernel(const HostKernel&) = delete;
  HostKernel& operator=(const HostKernel&) = delete;

  // Session (the channel's part).
  void handshake(uint32_t version = telemetry::kProtocolVersion);
  void snapshot();  // snapshot_begin, the whole state, snapshot_end with the digest
  void send_digest();
  // mm operations; each one's events are drained into the stream before it returns.
  uint32_t create_address_space();  // returns the asid (the page table's owner id)
  void destroy_address_space(uint32_t asid);
  // Map npages fresh 4 KiB folios at va through one cursor / unmap them through another. cpu 0
  // runs it on this thread; any other on a second host thread (a second CPU: its own ring and
  // CPU id, which the host assigns).
  void map(uint32_t asid, uint64_t va, uint32_t npages, uint8_t cpu = 0);
  void unmap(uint32_t asid, uint64_t va, uint32_t npages, uint8_t cpu = 0);
  // Frames of a runtime kind (a slab page, say), allocated through the buddy.
  void alloc_frames(unsigned order);
  // Contention from two host threads: cursor A maps npages at va (npages <= 256, inside one
  // 2 MiB table) and, while A holds its nodes, cursor B (another thread, a range covering the two
  // 2 MiB tables from va's) finds A's node locked, says so (lock_waiting) and spins; when A is
  // done, B gets the node (wait_ns) and maps the npages after A's.
  void contend(uint32_t asid, uint64_t va, uint32_t npages);
  // The channel's other events, as the kernel sends them.
  void log(const std::string& s);
  void ktap(bool ok, uint64_t n, const std::string& name);
  void pong(uint64_t token);
  void answer_walk(uint64_t token, uint32_t asid, uint64_t va);  // over the real tables
  void demo_state(telemetry::DemoRun state, uint64_t step, uint32_t cr3_asid,
                  const std::string& label);
  // A seeded mix of the above.
  void random_activity(int ops);

  // Seal the open frame; take every byte sent so far.
  void flush();
  [[nodiscard]] std::vector<uint8_t> take_bytes();
  [[nodiscard]] telemetry::Digest digest() const;
  [[nodiscard]] uint64_t frame_count() const;
  // The seq the next frame will carry.
  [[nodiscard]] uint32_t next_seq() const;
  // Frames of the stream so far, as [begin, end) offsets into the bytes (for tests that damage
  // one frame).
  [[nodiscard]] const std::vector<std::pair<size_t, size_t>>& frame_spans() const { return spans_; }

 private:
  struct Impl;
  void drain();
  void collect();  // framer's bytes -> out_, spans_

  std::unique_ptr<Impl> impl_;
  std::vector<uint8_t> out_;
  std::vector<std::pair<size_t, size_t>> spans_;
  std::mt19937_64 rng_;
};

}  // namespace glass::inspector
