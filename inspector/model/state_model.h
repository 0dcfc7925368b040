// StateModel: the inspector's picture of the kernel, rebuilt from telemetry events. Frames with
// kinds and owners, address spaces, page-table trees, live cursors and the node locks they hold;
// the same digest the kernel computes; and the reverse map (frame -> virtual addresses).
//
// Invariants:
//  - sync() is kNeedSnapshot from construction, after any gap, a Dropped event, an event that
//    contradicts the model, a digest mismatch, or a new boot; kInSnapshot between SnapshotBegin
//    and SnapshotEnd; kSynced only after a SnapshotEnd whose digest equals ours. Deltas are
//    applied in every state (a view stays useful), but only a synced model checks digests.
//  - digest() always equals the digest of the state held (maintained incrementally: each change
//    subtracts the old term and adds the new one). tests check this against a full recompute.
//  - Every event from outside that does not fit the model becomes a Problem with a sentence
//    naming the object; nothing is dropped silently and nothing crashes.
//  - Answers to host commands (pong, walk_result, demo_state) change no kernel state: they are
//    recorded (last_walk(), demo(), pending_ping()) and never make a problem, except a walk_result
//    whose levels contradict themselves, which decode_event already refuses.
//  - take_snapshot_request() yields one request per fall into kNeedSnapshot: a live session
//    forwards it to the kernel as REQUEST_SNAPSHOT.
//  - waiting() holds a cursor only between its lock_waiting and its next lock_acquired or
//    cursor_end, and only for a cursor the model knows. folios() holds folios whose last
//    folio_ref said refcount > 0; a snapshot begins with none (it resends them). Neither is part
//    of the digest (the kernel does not hash them).
//  - journal() keeps log lines, KTAP results and panics in arrival order (bounded: the oldest go
//    first); log(), ktap() and panic_message() are the per-kind views of the same arrivals.
//  - last_t_ns() is the latest kernel timestamp seen in any event (0 before any): "now" for
//    durations such as how long a cursor has held its locks.
//  - A copy (copy constructor, clone()) is deep: it shares nothing with the original, so a
//    timeline keyframe never changes when the live model moves on.
#pragma once

#include <stdint.h>

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "inspector/model/block_requests.h"
#include "inspector/model/names.h"
#include "inspector/model/stream_decoder.h"
#include "protocol/digest.h"
#include "protocol/wire.h"

namespace glass::inspector {

enum class Sync : uint8_t { kNeedSnapshot, kInSnapshot, kSynced };
[[nodiscard]] const char* sync_name(Sync s);

struct FrameInfo {
  uint8_t kind = 0;
  uint32_t owner = 0;
};

struct AddressSpace {
  uint32_t asid = 0;
  uint64_t root = 0;
};

struct PtNode {
  uint64_t pfn = 0;
  uint32_t asid = 0;
  uint8_t level = 0;
  uint64_t parent = 0;
  uint16_t index = 0;
  std::array<uint64_t, telemetry::kEntriesPerNode> entries{};
};

struct Cursor {
  uint64_t id = 0;
  uint8_t cpu = 0;
  uint32_t asid = 0;
  uint64_t va_start = 0, va_end = 0;
  uint64_t covering = 0;
  uint64_t t_begin = 0;
  std::vector<uint64_t> locks;  // node pfns, in acquisition order
  uint64_t waited_ns = 0;       // sum of the wait_ns of its lock acquisitions
};

// A cursor that found a node locked and waits for it (lock_waiting, v3).
struct LockWait {
  uint64_t node = 0;
  uint64_t since_ns = 0;
};

// A folio's latest reference count (folio_ref, v3): frames [first, first + count).
struct FolioRef {
  uint64_t count = 0;
  uint32_t refcount = 0;
};

// One log line, KTAP result or panic, as it arrived.
struct JournalEntry {
  enum class Kind : uint8_t { kLog, kKtap, kPanic } kind = Kind::kLog;
  uint64_t t_ns = 0;  // log and panic carry a time; a KTAP result gets last_t_ns() at arrival
  uint8_t level = 0;  // log: telemetry::LogLevel; panic: the cpu
  telemetry::KtapStatus ktap = telemetry::KtapStatus::kOk;
  uint64_t number = 0;  // KTAP test number
  std::string text;
};

struct HeldLock {
  uint64_t cursor = 0;
  uint64_t t_acquired = 0;
  uint64_t wait_ns = 0;
};

// One place a frame is mapped: the leaf entry and the virtual address of that frame in it.
struct VirtualMapping {
  uint32_t asid = 0;
  uint64_t va = 0;
  uint8_t level = 0;  // of the leaf entry: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB
  uint64_t pte = 0;
  friend bool operator==(const VirtualMapping&, const VirtualMapping&) = default;
};

// A walk of one virtual address: the kernel's answer to WALK, or the model's own walk.
struct WalkAnswer {
  uint64_t token = 0;
  uint32_t asid = 0;
  uint64_t va = 0;
  telemetry::WalkStatus status = telemetry::WalkStatus::kUnknownAsid;
  std::vector<telemetry::WalkLevel> levels;  // level 4 first
};
// Equal walks: same status, and per level the same table, index and entry. Accessed and Dirty
// are ignored (the MMU sets them without an event, as in the digest); the token is not compared.
[[nodiscard]] bool same_walk(const WalkAnswer& a, const WalkAnswer& b);

struct DemoSeen {
  telemetry::DemoRun state = telemetry::DemoRun::kNone;
  uint64_t step = 0;
  uint32_t cr3_asid = 0;
  std::string label;
};

struct Problem {
  uint32_t seq = 0;
  std::string what;
};

struct HandshakeSeen {
  uint32_t version = 0;
  uint64_t boot_id = 0, build_id = 0, ram_bytes = 0, frame_count = 0;
  uint32_t cpu_count = 0;
};

struct KtapResult {
  telemetry::KtapStatus status;
  uint64_t number;
  std::string name;
};

struct ModelCounters {
  uint64_t digests_matched = 0;
  uint64_t digests_mismatched = 0;
  uint64_t digests_unchecked = 0;  // arrived while not synced
  uint64_t snapshots_completed = 0;
  uint64_t snapshots_failed = 0;
  uint64_t problems = 0;
  uint64_t ignored_unsynced = 0;  // contradictions met while waiting for a snapshot
};

class StateModel {
 public:
  StateModel();
  StateModel(const StateModel&) = default;
  StateModel& operator=(const StateModel&) = default;
  StateModel(StateModel&&) noexcept = default;
  StateModel& operator=(StateModel&&) noexcept = default;
  // A deep copy, named for call sites where the cost (frames + nodes) should be visible.
  [[nodiscard]] StateModel clone() const { return *this; }

  void apply(const StreamItem& item);
  void apply_event(const DecodedEvent& e);
  void apply_gap(const Gap& g);

  [[nodiscard]] Sync sync() const { return sync_; }
  [[nodiscard]] const std::string& sync_reason() const { return sync_reason_; }
  [[nodiscard]] std::optional<telemetry::SnapshotReason> take_snapshot_request();

  [[nodiscard]] telemetry::Digest digest() const { return acc_.value(); }
  // The digest computed from scratch over the state held: what the kernel would say.
  [[nodiscard]] telemetry::Digest recompute_digest() const;

  [[nodiscard]] const std::optional<HandshakeSeen>& handshake() const { return handshake_; }
  [[nodiscard]] const std::vector<FrameInfo>& frames() const { return frames_; }
  [[nodiscard]] const std::map<uint32_t, AddressSpace>& address_spaces() const { return spaces_; }
  [[nodiscard]] const PtNode* node(uint64_t pfn) const;
  [[nodiscard]] size_t node_count() const { return nodes_.size(); }
  [[nodiscard]] const std::map<uint64_t, Cursor>& cursors() const { return cursors_; }
  [[nodiscard]] const std::map<uint64_t, HeldLock>& held_locks() const { return locks_; }
  [[nodiscard]] const std::map<uint64_t, LockWait>& waiting() const { return waiting_; }
  [[nodiscard]] const std::map<uint64_t, FolioRef>& folios() const { return folios_; }
  // The folio whose frames include pfn, if the model knows one: (first pfn, its ref).
  [[nodiscard]] std::optional<std::pair<uint64_t, FolioRef>> folio_of(uint64_t pfn) const;
  // Every page-table node, keyed by pfn (iteration order unspecified).
  [[nodiscard]] const std::unordered_map<uint64_t, PtNode>& nodes() const { return nodes_; }
  [[nodiscard]] uint64_t last_t_ns() const { return last_t_ns_; }
  [[nodiscard]] const std::map<uint8_t, uint32_t>& cr3() const { return cr3_; }
  [[nodiscard]] std::vector<VirtualMapping> reverse_map(uint64_t pfn) const;
  // The model's own walk of va in address space asid (model_walk.cpp): the same rules as the
  // kernel's (protocol/walk.h), over the entries the model holds. token stays 0.
  [[nodiscard]] WalkAnswer walk_address(uint32_t asid, uint64_t va) const;
  // Every present leaf of asid's tree (va ascending), optionally only the user half.
  [[nodiscard]] std::vector<VirtualMapping> leaf_mappings(uint32_t asid, bool user_half) const;

  // Host commands this session sent and their answers: a PONG with the pending token clears it;
  // the last walk_result and demo_state are kept.
  void note_ping_sent(uint64_t token) { pending_ping_ = token; }
  [[nodiscard]] const std::optional<uint64_t>& pending_ping() const { return pending_ping_; }
  [[nodiscard]] const std::optional<WalkAnswer>& last_walk() const { return last_walk_; }
  [[nodiscard]] const std::optional<DemoSeen>& demo() const { return demo_; }
  [[nodiscard]] uint64_t pongs() const { return pongs_; }

  [[nodiscard]] const std::vector<Problem>& problems() const { return problems_; }
  [[nodiscard]] const ModelCounters& counters() const { return counters_; }
  [[nodiscard]] const std::deque<std::string>& log() const { return log_; }
  [[nodiscard]] const std::vector<KtapResult>& ktap() const { return ktap_; }
  [[nodiscard]] const std::optional<std::string>& panic_message() const { return panic_; }
  [[nodiscard]] const std::deque<JournalEntry>& journal() const { return journal_; }
  [[nodiscard]] const BlockRequests& block_requests() const { return block_; }
  // Small stable names for address spaces and cursors in this boot (names.h; not in the digest).
  [[nodiscard]] const Names& names() const { return names_; }

  static constexpr size_t kMaxProblems = 1000;  // later ones are counted, not kept
  static constexpr size_t kMaxLogLines = 1000;
  static constexpr size_t kMaxJournal = 4000;

 private:
  void need_snapshot(telemetry::SnapshotReason why, std::string reason);
  void problem(const DecodedEvent& e, std::string what);
  void reset_state(uint64_t frame_count);
  void check_digest(const DecodedEvent& e, bool snapshot_end);
  void set_entry(PtNode& n, uint32_t index, uint64_t value);
  void drop_node(PtNode& n);
  void saw_time(uint64_t t) {
    if (t > last_t_ns_) last_t_ns_ = t;
  }
  void journal(JournalEntry e);
  void apply_folio_ref(const DecodedEvent& d);
  void walk(uint32_t asid, const PtNode& n, uint64_t va_base, uint64_t pfn,
            std::vector<VirtualMapping>& out) const;

  Sync sync_ = Sync::kNeedSnapshot;
  std::string sync_reason_ = "attach: no snapshot yet";
  std::optional<telemetry::SnapshotReason> pending_request_ = telemetry::SnapshotReason::kAttach;
  uint64_t snapshot_epoch_ = 0;

  std::optional<HandshakeSeen> handshake_;
  std::vector<FrameInfo> frames_;
  std::map<uint32_t, AddressSpace> spaces_;
  // Node-based: a PtNode never moves while it exists, so node() pointers stay valid across
  // inserts; and a copy of the map is a deep copy.
  std::unordered_map<uint64_t, PtNode> nodes_;
  std::map<uint64_t, Cursor> cursors_;
  std::map<uint64_t, HeldLock> locks_;    // node pfn -> holder
  std::map<uint8_t, uint32_t> cr3_;       // cpu -> asid
  std::map<uint64_t, LockWait> waiting_;  // cursor -> the node it waits for
  std::map<uint64_t, FolioRef> folios_;   // first pfn -> count and refcount
  uint64_t last_t_ns_ = 0;
  telemetry::DigestAccumulator acc_;

  std::vector<Problem> problems_;
  ModelCounters counters_;
  std::deque<std::string> log_;
  std::vector<KtapResult> ktap_;
  std::optional<std::string> panic_;
  std::deque<JournalEntry> journal_;
  BlockRequests block_;  // kept across snapshots (they do not carry requests yet)
  Names names_;          // kept across snapshots, reset by a new boot
  std::optional<uint64_t> pending_ping_;
  uint64_t pongs_ = 0;
  std::optional<WalkAnswer> last_walk_;
  std::optional<DemoSeen> demo_;
};

}  // namespace glass::inspector
