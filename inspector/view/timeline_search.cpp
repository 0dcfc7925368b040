// Timeline search: see timeline_search.h. Only events that can change the answer are checked
// after (entries, node and address-space changes for a mapping; frame runs and snapshots for an
// owner), so a search costs about one apply per event: a 1-million-event trace in about a second.
#include "inspector/view/timeline_search.h"

#include <map>
#include <utility>

namespace glass::inspector::view {

namespace {

using telemetry::MsgType;

bool mapped_in(const StateModel& m, uint32_t asid, uint64_t va) {
  return m.walk_address(asid, va).status == telemetry::WalkStatus::kLeaf;
}

// The spaces where va is mapped now (asid given: only that one).
std::optional<uint32_t> mapped_where(const StateModel& m, std::optional<uint32_t> asid, uint64_t va,
                                     const std::map<uint32_t, bool>& before) {
  for (const auto& [id, as] : m.address_spaces()) {
    if (asid && id != *asid) continue;
    auto b = before.find(id);
    if (mapped_in(m, id, va) && (b == before.end() || !b->second)) return id;
  }
  return std::nullopt;
}

std::map<uint32_t, bool> mapped_now(const StateModel& m, std::optional<uint32_t> asid,
                                    uint64_t va) {
  std::map<uint32_t, bool> out;
  for (const auto& [id, as] : m.address_spaces())
    if (!asid || id == *asid) out[id] = mapped_in(m, id, va);
  return out;
}

bool may_change_mapping(const StreamItem& it) {
  if (it.kind == StreamItem::Kind::kGap) return true;
  switch (it.event.ev.type) {
    case MsgType::kEntries:
    case MsgType::kNodeCreated:
    case MsgType::kNodeFreed:
    case MsgType::kAsCreated:
    case MsgType::kAsDestroyed:
    case MsgType::kSnapshotBegin:
    case MsgType::kSnapshotEnd:
    case MsgType::kHandshake:
      return true;
    default:
      return false;
  }
}

bool may_change_frames(const StreamItem& it) {
  if (it.kind == StreamItem::Kind::kGap) return true;
  switch (it.event.ev.type) {
    case MsgType::kFrameRun:
    case MsgType::kSnapshotBegin:
    case MsgType::kSnapshotEnd:
    case MsgType::kHandshake:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<SearchHit> find_next_mapped(Timeline& tl, size_t from, std::optional<uint32_t> asid,
                                          uint64_t va) {
  if (tl.event_count() == 0 || from + 1 >= tl.event_count()) return std::nullopt;
  StateModel m = tl.state_at(from).clone();
  auto before = mapped_now(m, asid, va);
  for (size_t i = from + 1; i < tl.event_count(); ++i) {
    const StreamItem& it = tl.item(i);
    m.apply(it);
    // A snapshot rebuilds the state from nothing: compare only once it is whole again.
    if (!may_change_mapping(it) || m.sync() == Sync::kInSnapshot) continue;
    if (auto where = mapped_where(m, asid, va, before)) return SearchHit{i, *where};
    before = mapped_now(m, asid, va);
  }
  return std::nullopt;
}

std::optional<SearchHit> find_next_owner_change(Timeline& tl, size_t from, uint64_t pfn) {
  if (tl.event_count() == 0 || from + 1 >= tl.event_count()) return std::nullopt;
  StateModel m = tl.state_at(from).clone();
  auto info = [&](const StateModel& s) -> std::optional<std::pair<uint8_t, uint32_t>> {
    if (pfn >= s.frames().size()) return std::nullopt;
    return std::make_pair(s.frames()[pfn].kind, s.frames()[pfn].owner);
  };
  auto was = info(m);
  for (size_t i = from + 1; i < tl.event_count(); ++i) {
    const StreamItem& it = tl.item(i);
    m.apply(it);
    if (!may_change_frames(it) || m.sync() == Sync::kInSnapshot) continue;
    const auto now = info(m);
    if (!was) {  // the frame table first seen (the first snapshot): no owner changed yet
      was = now;
      continue;
    }
    if (now != was) return SearchHit{i, 0};
  }
  return std::nullopt;
}

}  // namespace glass::inspector::view
