// StateModel: see state_model.h. Why deltas still apply while unsynced: a GUI showing slightly
// wrong state with a "resyncing" banner is more useful than a frozen one, and the snapshot that
// follows replaces everything anyway.
#include "inspector/model/state_model.h"

#include <algorithm>

#include "inspector/model/event_text.h"
#include "mm/phys/frame_kind.h"

namespace glass::inspector {

using telemetry::MsgType;
using telemetry::SnapshotReason;

const char* sync_name(Sync s) {
  switch (s) {
    case Sync::kNeedSnapshot:
      return "need-snapshot";
    case Sync::kInSnapshot:
      return "in-snapshot";
    case Sync::kSynced:
      return "synced";
  }
  return "?";
}

StateModel::StateModel() = default;

std::optional<SnapshotReason> StateModel::take_snapshot_request() {
  auto r = pending_request_;
  pending_request_.reset();
  return r;
}

void StateModel::need_snapshot(SnapshotReason why, std::string reason) {
  if (sync_ != Sync::kNeedSnapshot) pending_request_ = why;
  if (sync_ == Sync::kInSnapshot) ++counters_.snapshots_failed;
  sync_ = Sync::kNeedSnapshot;
  sync_reason_ = std::move(reason);
}

void StateModel::problem(const DecodedEvent& e, std::string what) {
  // Unsynced, the state is known to be stale: contradictions are expected, not news.
  if (sync_ == Sync::kNeedSnapshot) {
    ++counters_.ignored_unsynced;
    return;
  }
  ++counters_.problems;
  if (problems_.size() < kMaxProblems) problems_.push_back({e.seq, what});
  if (sync_ != Sync::kNeedSnapshot)
    need_snapshot(SnapshotReason::kModelError,
                  "model error at frame " + std::to_string(e.seq) + ": " + what);
}

void StateModel::reset_state(uint64_t frame_count) {
  frames_.assign(frame_count, FrameInfo{});
  spaces_.clear();
  nodes_.clear();
  cursors_.clear();
  locks_.clear();
  cr3_.clear();
  waiting_.clear();
  folios_.clear();
  acc_.reset();
  acc_.add_frames(0, frame_count, 0, 0);
}

void StateModel::apply(const StreamItem& item) {
  if (item.kind == StreamItem::Kind::kGap) {
    apply_gap(item.gap);
  } else {
    apply_event(item.event);
  }
}

void StateModel::apply_gap(const Gap& g) {
  if (g.kind == GapKind::kAttachSkip && sync_ == Sync::kNeedSnapshot) return;
  need_snapshot(SnapshotReason::kGap, describe(g));
}

const PtNode* StateModel::node(uint64_t pfn) const {
  auto it = nodes_.find(pfn);
  return it == nodes_.end() ? nullptr : &it->second;
}

void StateModel::set_entry(PtNode& n, uint32_t index, uint64_t value) {
  acc_.remove_entry(n.pfn, index, n.entries[index]);
  n.entries[index] = value;
  acc_.add_entry(n.pfn, index, value);
}

void StateModel::drop_node(PtNode& n) {
  for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i) set_entry(n, i, 0);
  acc_.remove_node(n.pfn, n.asid, n.level);
}

void StateModel::check_digest(const DecodedEvent& e, bool snapshot_end) {
  const telemetry::msg::Digest dg =
      snapshot_end ? telemetry::msg::Digest{e.ev.snapshot_end.epoch, e.ev.snapshot_end.frames,
                                            e.ev.snapshot_end.tables}
                   : e.ev.digest;
  telemetry::Digest theirs{dg.frames, dg.tables};
  telemetry::Digest ours = acc_.value();
  if (snapshot_end) {
    if (sync_ != Sync::kInSnapshot || dg.epoch != snapshot_epoch_) {
      ++counters_.digests_unchecked;  // the snapshot's start was lost: a new one is on its way
      return;
    }
  } else if (sync_ != Sync::kSynced) {
    ++counters_.digests_unchecked;
    return;
  }
  if (theirs == ours) {
    ++counters_.digests_matched;
    if (snapshot_end) {
      ++counters_.snapshots_completed;
      sync_ = Sync::kSynced;
      sync_reason_.clear();
    }
    return;
  }
  ++counters_.digests_mismatched;
  std::string part = theirs.frames != ours.frames
                         ? (theirs.tables != ours.tables ? "frames and page tables" : "frames")
                         : "page tables";
  std::string what = std::string(snapshot_end ? "snapshot " : "") + "digest mismatch at frame " +
                     std::to_string(e.seq) + ": " + part + " differ (kernel " + hex(theirs.frames) +
                     "/" + hex(theirs.tables) + ", model " + hex(ours.frames) + "/" +
                     hex(ours.tables) + ")";
  if (problems_.size() < kMaxProblems) problems_.push_back({e.seq, what});
  ++counters_.problems;
  need_snapshot(SnapshotReason::kDigestMismatch, what);
}

namespace {
// The three lock messages, read alike (wait_ns: lock_acquired only).
struct LockView {
  uint64_t cursor, node, wait_ns, t;
};
}  // namespace

void StateModel::apply_event(const DecodedEvent& d) {
  const auto& e = d.ev;
  switch (e.type) {
    case MsgType::kHandshake: {
      const auto& h = e.handshake;
      HandshakeSeen seen{h.version, h.boot_id, h.build_id, h.ram_bytes, h.frame_count, h.cpu_count};
      bool reboot = handshake_ && handshake_->boot_id != h.boot_id;
      handshake_ = seen;
      if (reboot) {
        reset_state(0);
        names_.reset_boot();
        last_t_ns_ = 0;         // a new boot's clock starts again
        sync_ = Sync::kSynced;  // so need_snapshot() raises a fresh request
        need_snapshot(SnapshotReason::kAttach, "the kernel rebooted (new boot id)");
      }
      return;
    }
    case MsgType::kSnapshotBegin:
      reset_state(e.snapshot_begin.frame_count);
      snapshot_epoch_ = e.snapshot_begin.epoch;
      sync_ = Sync::kInSnapshot;
      sync_reason_ = "receiving snapshot " + std::to_string(snapshot_epoch_);
      return;
    case MsgType::kSnapshotEnd:
      check_digest(d, true);
      return;
    case MsgType::kDigest:
      check_digest(d, false);
      return;
    case MsgType::kDropped:
      need_snapshot(SnapshotReason::kGap, "the kernel dropped " + std::to_string(e.dropped.count) +
                                              " events on cpu " + std::to_string(e.dropped.cpu));
      return;
    case MsgType::kFrameRun: {
      const auto& r = e.frame_run;
      if (r.first + r.count > frames_.size()) {
        problem(d, "frame run " + hex(r.first) + "+" + std::to_string(r.count) + " beyond the " +
                       std::to_string(frames_.size()) + " frames known");
        return;
      }
      if (r.kind >= mm::kFrameKindCount) {
        problem(d, "frame run " + hex(r.first) + ": unknown kind " + std::to_string(r.kind));
        return;
      }
      for (uint64_t p = r.first; p < r.first + r.count; ++p) {
        FrameInfo& f = frames_[p];
        acc_.remove_frames(p, 1, f.kind, f.owner);
        f = FrameInfo{r.kind, r.owner};
        acc_.add_frames(p, 1, f.kind, f.owner);
      }
      return;
    }
    case MsgType::kAsCreated:
      if (!spaces_.emplace(e.as_created.asid, AddressSpace{e.as_created.asid, e.as_created.root})
               .second) {
        problem(d, "address space " + std::to_string(e.as_created.asid) + " created twice");
        return;
      }
      acc_.add_as(e.as_created.asid, e.as_created.root);
      names_.saw_space(e.as_created.asid);
      return;
    case MsgType::kAsDestroyed: {
      auto it = spaces_.find(e.as_destroyed.asid);
      if (it == spaces_.end()) {
        problem(d, "unknown address space " + std::to_string(e.as_destroyed.asid) + " destroyed");
        return;
      }
      acc_.remove_as(it->first, it->second.root);
      spaces_.erase(it);
      for (auto c = cr3_.begin(); c != cr3_.end();)
        c = c->second == e.as_destroyed.asid ? cr3_.erase(c) : std::next(c);
      return;
    }
    case MsgType::kCr3Switch:
      if (!spaces_.count(e.cr3_switch.asid)) {
        problem(d, "cpu " + std::to_string(e.cr3_switch.cpu) +
                       " switched to unknown address space " + std::to_string(e.cr3_switch.asid));
        return;
      }
      cr3_[e.cr3_switch.cpu] = e.cr3_switch.asid;
      saw_time(e.cr3_switch.t);
      return;
    case MsgType::kNodeCreated: {
      const auto& n = e.node_created;
      if (nodes_.count(n.pfn)) {
        problem(d, "page-table node " + hex(n.pfn) + " created twice");
        return;
      }
      if (n.parent == 0) {
        if (n.level != telemetry::kMaxLevel) {
          problem(d,
                  "node " + hex(n.pfn) + " has no parent but is level " + std::to_string(n.level));
          return;
        }
      } else {
        const PtNode* p = node(n.parent);
        if (!p || p->level != n.level + 1) {
          problem(d, "node " + hex(n.pfn) + " (level " + std::to_string(n.level) +
                         ") names parent " + hex(n.parent) +
                         (p ? " of level " + std::to_string(p->level) : " which does not exist"));
          return;
        }
      }
      PtNode& pn = nodes_[n.pfn];
      pn.pfn = n.pfn;
      pn.asid = n.asid;
      pn.level = n.level;
      pn.parent = n.parent;
      pn.index = n.index;
      acc_.add_node(n.pfn, n.asid, n.level);
      return;
    }
    case MsgType::kNodeFreed: {
      auto it = nodes_.find(e.node_freed.pfn);
      if (it == nodes_.end()) {
        problem(d, "unknown page-table node " + hex(e.node_freed.pfn) + " freed");
        return;
      }
      drop_node(it->second);
      nodes_.erase(it);
      return;
    }
    case MsgType::kEntries: {
      auto it = nodes_.find(e.entries.node);
      if (it == nodes_.end()) {
        problem(d, "entries written in unknown node " + hex(e.entries.node));
        return;
      }
      for (size_t i = 0; i < d.values.size(); ++i)
        set_entry(it->second, e.entries.first + static_cast<uint32_t>(i), d.values[i]);
      return;
    }
    case MsgType::kCursorBegin: {
      const auto& c = e.cursor_begin;
      Cursor cur{c.cursor,
                 c.cpu,
                 c.asid,
                 telemetry::va_of(c.first_vpn),
                 telemetry::va_of(c.first_vpn) + c.pages * 4096,
                 c.covering,
                 c.t,
                 {},
                 0};
      saw_time(c.t);
      if (!cursors_.emplace(c.cursor, cur).second)
        problem(d, "cursor " + std::to_string(c.cursor) + " began twice");
      names_.cursor_began(c.cursor);
      return;
    }
    case MsgType::kCursorEnd: {
      saw_time(e.cursor_end.t);
      waiting_.erase(e.cursor_end.cursor);
      auto it = cursors_.find(e.cursor_end.cursor);
      if (it == cursors_.end()) {
        problem(d, "unknown cursor " + std::to_string(e.cursor_end.cursor) + " ended");
        return;
      }
      if (!it->second.locks.empty()) {
        problem(d, "cursor " + std::to_string(it->first) + " ended holding " +
                       std::to_string(it->second.locks.size()) + " node locks");
        for (uint64_t n : it->second.locks) locks_.erase(n);
      }
      cursors_.erase(it);
      names_.cursor_ended(e.cursor_end.cursor);
      return;
    }
    case MsgType::kLockAcquired: {
      const LockView lock{e.lock_acquired.cursor, e.lock_acquired.node, e.lock_acquired.wait_ns,
                          e.lock_acquired.t};
      saw_time(lock.t);
      auto it = cursors_.find(lock.cursor);
      if (it == cursors_.end()) {
        problem(d,
                "unknown cursor " + std::to_string(lock.cursor) + " locked node " + hex(lock.node));
        return;
      }
      auto held = locks_.find(lock.node);
      if (held != locks_.end()) {
        problem(d, "node " + hex(lock.node) + " locked by cursor " + std::to_string(lock.cursor) +
                       " while cursor " + std::to_string(held->second.cursor) + " holds it");
        return;
      }
      locks_[lock.node] = HeldLock{lock.cursor, lock.t, lock.wait_ns};
      it->second.locks.push_back(lock.node);
      it->second.waited_ns += lock.wait_ns;
      waiting_.erase(lock.cursor);  // whatever it waited for, it is running again
      return;
    }
    case MsgType::kLockWaiting: {
      const LockView lock{e.lock_waiting.cursor, e.lock_waiting.node, 0, e.lock_waiting.t};
      saw_time(lock.t);
      auto it = cursors_.find(lock.cursor);
      if (it == cursors_.end()) {
        problem(d, "unknown cursor " + std::to_string(lock.cursor) + " waits for node " +
                       hex(lock.node));
        return;
      }
      if (std::find(it->second.locks.begin(), it->second.locks.end(), lock.node) !=
          it->second.locks.end()) {
        problem(d, "cursor " + std::to_string(lock.cursor) + " waits for node " + hex(lock.node) +
                       " it already holds");
        return;
      }
      auto w = waiting_.find(lock.cursor);
      if (w != waiting_.end() && w->second.node != lock.node) {
        problem(d, "cursor " + std::to_string(lock.cursor) + " waits for node " + hex(lock.node) +
                       " while still waiting for node " + hex(w->second.node));
        return;
      }
      if (w == waiting_.end()) waiting_[lock.cursor] = LockWait{lock.node, lock.t};
      return;
    }
    case MsgType::kFolioRef:
      apply_folio_ref(d);
      return;
    case MsgType::kLockReleased: {
      const LockView lock{e.lock_released.cursor, e.lock_released.node, 0, e.lock_released.t};
      saw_time(lock.t);
      auto held = locks_.find(lock.node);
      if (held == locks_.end() || held->second.cursor != lock.cursor) {
        problem(d, "cursor " + std::to_string(lock.cursor) + " released node " + hex(lock.node) +
                       " it does not hold");
        return;
      }
      locks_.erase(held);
      auto it = cursors_.find(lock.cursor);
      if (it != cursors_.end()) std::erase(it->second.locks, lock.node);
      return;
    }
    case MsgType::kLog:
      saw_time(e.log.t);
      log_.push_back(d.text);
      if (log_.size() > kMaxLogLines) log_.pop_front();
      journal(
          {JournalEntry::Kind::kLog, e.log.t, e.log.level, telemetry::KtapStatus::kOk, 0, d.text});
      return;
    case MsgType::kKtap:
      ktap_.push_back({e.ktap.status, e.ktap.number, d.text});
      journal({JournalEntry::Kind::kKtap, last_t_ns_, 0, e.ktap.status, e.ktap.number, d.text});
      return;
    case MsgType::kPanic:
      saw_time(e.panic.t);
      panic_ = d.text;
      journal({JournalEntry::Kind::kPanic, e.panic.t, e.panic.cpu, telemetry::KtapStatus::kOk, 0,
               d.text});
      return;
    case MsgType::kPong:
      ++pongs_;
      if (pending_ping_ && *pending_ping_ == e.pong.token) pending_ping_.reset();
      return;
    case MsgType::kWalkResult: {
      const auto& w = e.walk_result;
      WalkAnswer a{w.token, w.asid, w.va, w.status, {w.levels.at, w.levels.at + w.levels.count}};
      last_walk_ = std::move(a);
      return;
    }
    case MsgType::kDemoState:
      demo_ = DemoSeen{e.demo_state.state, e.demo_state.step, e.demo_state.cr3_asid, d.text};
      return;
    case MsgType::kRxLost:  // about the host's own bytes: no kernel state
      return;
    case MsgType::kHello:
    case MsgType::kRequestSnapshot:
    case MsgType::kDetach:
    case MsgType::kPing:
    case MsgType::kWalk:
    case MsgType::kPause:
    case MsgType::kStep:
    case MsgType::kResume:
      problem(d, std::string("host command ") + telemetry::msg_name(e.type) +
                     " in the kernel's stream");
      return;
    case MsgType::kBlockFirst:
    case MsgType::kBlockLast:
      return;
    // Block requests (block/block_events.h): their own part of the model.
    case MsgType::kBlockTag:
    case MsgType::kBlockDispatch:
    case MsgType::kBlockRef:
    case MsgType::kBlockDeviceDone:
    case MsgType::kBlockTimeout:
    case MsgType::kBlockEnd:
    case MsgType::kBlockTagFree:
      block_.apply(e);
      return;
  }
}

void StateModel::journal(JournalEntry e) {
  journal_.push_back(std::move(e));
  if (journal_.size() > kMaxJournal) journal_.pop_front();
}

// A refcount of 0 means the folio is being freed: it leaves the map. A folio that overlaps
// another one's frames contradicts the kernel's allocator (one owner per frame).
void StateModel::apply_folio_ref(const DecodedEvent& d) {
  const auto& f = d.ev.folio_ref;
  if (f.first + f.count > frames_.size()) {
    problem(d, "folio " + hex(f.first) + "+" + std::to_string(f.count) + " beyond the " +
                   std::to_string(frames_.size()) + " frames known");
    return;
  }
  auto same = folios_.find(f.first);
  if (f.refcount == 0) {
    if (same != folios_.end()) folios_.erase(same);
    return;
  }
  if (same != folios_.end() && same->second.count == f.count) {
    same->second.refcount = f.refcount;
    return;
  }
  // A new folio (or one of another size at the same place): no other folio may cover its frames.
  auto next = folios_.lower_bound(f.first);
  if (next != folios_.end() && next->first == f.first) ++next;
  bool overlaps = next != folios_.end() && next->first < f.first + f.count;
  if (!overlaps && next != folios_.begin()) {
    auto prev = std::prev(next);
    if (prev->first != f.first) overlaps = prev->first + prev->second.count > f.first;
  }
  if (overlaps) {
    problem(d, "folio " + hex(f.first) + "+" + std::to_string(f.count) +
                   " overlaps another folio's frames");
    return;
  }
  folios_[f.first] = FolioRef{f.count, f.refcount};
}

std::optional<std::pair<uint64_t, FolioRef>> StateModel::folio_of(uint64_t pfn) const {
  auto it = folios_.upper_bound(pfn);
  if (it == folios_.begin()) return std::nullopt;
  --it;
  if (pfn >= it->first + it->second.count) return std::nullopt;
  return std::make_pair(it->first, it->second);
}

telemetry::Digest StateModel::recompute_digest() const {
  telemetry::DigestAccumulator a;
  for (size_t p = 0; p < frames_.size(); ++p) a.add_frames(p, 1, frames_[p].kind, frames_[p].owner);
  for (const auto& [asid, as] : spaces_) a.add_as(asid, as.root);
  for (const auto& [pfn, n] : nodes_) {
    a.add_node(pfn, n.asid, n.level);
    for (uint32_t i = 0; i < telemetry::kEntriesPerNode; ++i) a.add_entry(pfn, i, n.entries[i]);
  }
  return a.value();
}

}  // namespace glass::inspector
