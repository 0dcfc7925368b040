// The message structs, generated from message_table.h, and what is derived from them without
// touching bytes: for_each_field (name, codec and value of every field, in wire order), the
// cross-field rules (valid), Event (any message, tagged) and Record (a message mm records into a
// ring, tagged: the ring carries typed events, not anonymous slots).
//
// Invariants:
//  - msg::X has exactly the fields its table row declares, in order, with the codec's C++ type;
//    nothing else (no hand-written struct may describe a message).
//  - Every type here is trivially copyable (the ring copies records by value, Event lives in
//    unions of the host's containers).
//  - valid(m) is the rule the encoder refuses and the decoder rejects alike, so what one accepts
//    the other does.
//  - Freestanding: the kernel, mm's inline hooks and the host all include this.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol/fields.h"
#include "protocol/wire.h"

namespace glass::telemetry {
namespace msg {

#define GLASS_FIELD_MEMBER(Tag, name) field::Tag::type name;
#define GLASS_MSG_STRUCT(Camel, snake, number, dir, ring, fields) \
  struct Camel {                                                  \
    static constexpr MsgType kType = MsgType::k##Camel;           \
    static constexpr const char* kName = #snake;                  \
    static constexpr bool kRecorded = Ring::ring;                 \
    fields                                                        \
  };
struct Ring {
  static constexpr bool kRing = true, kNoRing = false;
};
GLASS_MESSAGES(GLASS_MSG_STRUCT, GLASS_FIELD_MEMBER)
#undef GLASS_MSG_STRUCT
#undef GLASS_FIELD_MEMBER

// f(codec, value, "name") for every field of m, in wire order (codec: a default-constructed
// field codec, for its static members).
#define GLASS_FIELD_VISIT(Tag, name) f(field::Tag{}, m.name, #name);
#define GLASS_MSG_VISIT(Camel, snake, number, dir, ring, fields) \
  template <typename F>                                          \
  constexpr void for_each_field(Camel& m, F&& f) {               \
    (void)m, (void)f;                                            \
    fields                                                       \
  }                                                              \
  template <typename F>                                          \
  constexpr void for_each_field(const Camel& m, F&& f) {         \
    (void)m, (void)f;                                            \
    fields                                                       \
  }
GLASS_MESSAGES(GLASS_MSG_VISIT, GLASS_FIELD_VISIT)
#undef GLASS_MSG_VISIT
#undef GLASS_FIELD_VISIT

// Cross-field rules; a message without one has none.
template <typename M>
[[nodiscard]] constexpr bool valid(const M&) {
  return true;
}
[[nodiscard]] constexpr bool valid(const FrameRun& m) {
  return m.count != 0 && m.first + m.count <= kMaxPfn + 1;
}
[[nodiscard]] constexpr bool valid(const FolioRef& m) {
  return m.count != 0 && m.first + m.count <= kMaxPfn + 1;
}
[[nodiscard]] constexpr bool valid(const NodeCreated& m) {
  return m.level != 0;
}
[[nodiscard]] constexpr bool valid(const Entries& m) {
  if (m.count == 0 || m.first + m.count > kEntriesPerNode) return false;
  return m.mode == EntriesMode::kDeltas ? m.count >= 2 : m.deltas.len == 0;
}
[[nodiscard]] constexpr bool valid(const WalkResult& m) {
  return walk_carries_levels(m.status) == (m.levels.count != 0);
}

// Every field within its codec's range.
template <typename M>
[[nodiscard]] constexpr bool fields_ok(const M& m) {
  bool ok = true;
  for_each_field(m, [&](auto codec, const auto& v, const char*) { ok = ok && codec.ok(v); });
  return ok;
}

}  // namespace msg

// Any message, tagged by its type. Text, deltas are borrowed (see fields.h).
struct Event {
  MsgType type;
  union {
#define GLASS_EVENT_MEMBER(Camel, snake, number, dir, ring, fields) msg::Camel snake;
    GLASS_MESSAGES(GLASS_EVENT_MEMBER, GLASS_NO_FIELD)
#undef GLASS_EVENT_MEMBER
  };
};
static_assert(__is_trivially_copyable(Event));

// A message mm records (kRing in the table), tagged. Time fields hold raw ticks until the drain
// converts them (for_each_time).
#define GLASS_IF_kRing(...) __VA_ARGS__
#define GLASS_IF_kNoRing(...)
struct Record {
  MsgType type;
  union {
#define GLASS_RECORD_MEMBER(Camel, snake, number, dir, ring, fields) \
  GLASS_IF_##ring(msg::Camel snake;)
    GLASS_MESSAGES(GLASS_RECORD_MEMBER, GLASS_NO_FIELD)
#undef GLASS_RECORD_MEMBER
  };
};
static_assert(__is_trivially_copyable(Record));
static_assert(sizeof(Record) <= 56, "records are copied by value on hot paths: keep them small");

// The member of e that holds a message of type M.
#define GLASS_MEMBER_OF(Camel, snake, number, dir, ring, fields)                                   \
  [[nodiscard]] constexpr msg::Camel& member(Event& e, const msg::Camel*) {                        \
    return e.snake;                                                                                \
  }                                                                                                \
  [[nodiscard]] constexpr const msg::Camel& member(const Event& e, const msg::Camel*) {            \
    return e.snake;                                                                                \
  }                                                                                                \
  GLASS_IF_##ring(                                                                                 \
      [[nodiscard]] constexpr msg::Camel& member(Record& r, const msg::Camel*) { return r.snake; } \
      [[nodiscard]] constexpr const msg::Camel& member(const Record& r, const msg::Camel*) {       \
        return r.snake;                                                                            \
      })
GLASS_MESSAGES(GLASS_MEMBER_OF, GLASS_NO_FIELD)
#undef GLASS_MEMBER_OF

// Wraps one message as an Event or a Record.
template <typename E, typename M>
[[nodiscard]] constexpr E tagged(const M& m) {
  E e{};
  e.type = M::kType;
  member(e, static_cast<const M*>(nullptr)) = m;
  return e;
}

// f(message) on the message e holds; false (f not called) when e's type has no member here.
#define GLASS_VISIT_CASE(Camel, snake, number, dir, ring, fields) \
  case MsgType::k##Camel:                                         \
    f(e.snake);                                                   \
    return true;
template <typename F>
constexpr bool visit(Event& e, F&& f) {
  switch (e.type) {
    GLASS_MESSAGES(GLASS_VISIT_CASE, GLASS_NO_FIELD)
    default:
      return false;
  }
}
template <typename F>
constexpr bool visit(const Event& e, F&& f) {
  switch (e.type) {
    GLASS_MESSAGES(GLASS_VISIT_CASE, GLASS_NO_FIELD)
    default:
      return false;
  }
}
#undef GLASS_VISIT_CASE
#define GLASS_VISIT_RING_CASE(Camel, snake, number, dir, ring, fields) \
  GLASS_IF_##ring(case MsgType::k##Camel : f(e.snake); return true;)
template <typename F>
constexpr bool visit(Record& e, F&& f) {
  switch (e.type) {
    GLASS_MESSAGES(GLASS_VISIT_RING_CASE, GLASS_NO_FIELD)
    default:
      return false;
  }
}
template <typename F>
constexpr bool visit(const Record& e, F&& f) {
  switch (e.type) {
    GLASS_MESSAGES(GLASS_VISIT_RING_CASE, GLASS_NO_FIELD)
    default:
      return false;
  }
}
#undef GLASS_VISIT_RING_CASE

// A record as the Event it becomes.
[[nodiscard]] inline Event to_event(const Record& r) {
  Event e{};
  e.type = r.type;
  (void)visit(r, [&](const auto& m) { member(e, &m) = m; });
  return e;
}

// conv(t) on every time field of m (ticks -> nanoseconds in the drain).
template <typename M, typename C>
constexpr void for_each_time(M& m, C&& conv) {
  msg::for_each_field(m, [&](auto codec, auto& v, const char*) {
    if constexpr (__is_same(decltype(codec), field::TimeNs)) v = conv(v);
  });
}

}  // namespace glass::telemetry
