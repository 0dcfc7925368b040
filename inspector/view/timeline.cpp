// Timeline: see timeline.h.
#include "inspector/view/timeline.h"

#include "inspector/model/event_text.h"
#include "inspector/trace/trace_file.h"

namespace glass::inspector::view {

size_t Timeline::estimate_bytes(const StateModel& m) {
  return sizeof(StateModel) + m.frames().size() * sizeof(FrameInfo) +
         m.node_count() * (sizeof(PtNode) + 32) + m.journal().size() * 96 +
         m.problems().size() * 96;
}

void Timeline::add_keyframe(size_t applied, const StateModel& m) {
  keys_.push_back({applied, m});
  key_bytes_ += estimate_bytes(m);
  while (key_bytes_ > kKeyframeBudget && keys_.size() > 2) {
    // Keep keyframe 0 and every one on the doubled interval.
    interval_ *= 2;
    std::vector<Keyframe> kept;
    key_bytes_ = 0;
    for (auto& k : keys_) {
      if (k.applied % interval_ != 0) continue;
      key_bytes_ += estimate_bytes(k.model);
      kept.push_back(std::move(k));
    }
    keys_ = std::move(kept);
  }
}

bool Timeline::load(std::vector<uint8_t> bytes, std::string& message) {
  items_.clear();
  t_ns_.clear();
  keys_.clear();
  interval_ = kFirstInterval;
  key_bytes_ = 0;
  truncated_ = false;
  current_ = StateModel();
  current_applied_ = 0;

  TraceFile tf;
  std::string error;
  if (!parse_trace(bytes, tf, error)) {
    message = error;
    return false;
  }
  bytes.clear();
  bytes.shrink_to_fit();
  StreamDecoder d;
  d.feed(tf.stream.data(), tf.stream.size(), items_);
  std::vector<StreamItem> tail;
  d.finish(tail);
  if (d.version_error()) {
    items_.clear();
    message = "cannot replay this trace: " + *d.version_error();
    return false;
  }
  std::string cut;
  for (auto& it : tail) {
    if (it.kind == StreamItem::Kind::kGap && it.gap.kind == GapKind::kTruncated) {
      truncated_ = true;
      cut = "; truncated after byte " + std::to_string(kTraceHeaderSize + it.gap.offset) +
            " (the last " + std::to_string(it.gap.bytes) + " bytes are an unfinished frame)";
    } else {
      items_.push_back(std::move(it));
    }
  }
  add_keyframe(0, current_);
  t_ns_.reserve(items_.size());
  size_t gaps = 0;
  for (size_t i = 0; i < items_.size(); ++i) {
    current_.apply(items_[i]);
    gaps += items_[i].kind == StreamItem::Kind::kGap ? 1 : 0;
    t_ns_.push_back(current_.last_t_ns());
    if ((i + 1) % interval_ == 0) add_keyframe(i + 1, current_);
  }
  current_applied_ = items_.size();
  message = "loaded " + std::to_string(items_.size() - gaps) + " events";
  if (gaps > 0) message += " and " + std::to_string(gaps) + " gaps";
  message += cut;
  return true;
}

const StateModel& Timeline::state_at(size_t event_index) {
  if (items_.empty()) return current_;
  const size_t target = std::min(event_index, items_.size() - 1) + 1;
  // The latest keyframe at or before target; use it unless current_ is already closer.
  const Keyframe* best = &keys_.front();
  for (const Keyframe& k : keys_) {
    if (k.applied > target) break;
    best = &k;
  }
  if (current_applied_ > target || best->applied > current_applied_) {
    current_ = best->model;
    current_applied_ = best->applied;
  }
  for (; current_applied_ < target; ++current_applied_) current_.apply(items_[current_applied_]);
  return current_;
}

std::string Timeline::event_text(size_t i) const {
  return i < items_.size() ? dump_line(items_[i]) : std::string();
}

uint64_t Timeline::event_t_ns(size_t i) const {
  if (t_ns_.empty()) return 0;
  return t_ns_[std::min(i, t_ns_.size() - 1)];
}

std::optional<size_t> Timeline::find_next(size_t from, telemetry::MsgType type) const {
  return find_next(from, [type](const StreamItem& it) {
    return it.kind == StreamItem::Kind::kEvent && it.event.ev.type == type;
  });
}

std::optional<size_t> Timeline::find_next(
    size_t from, const std::function<bool(const StreamItem&)>& pred) const {
  for (size_t i = from; i < items_.size(); ++i)
    if (pred(items_[i])) return i;
  return std::nullopt;
}

}  // namespace glass::inspector::view
