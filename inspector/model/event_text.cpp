// Event text. Why a fixed format: golden traces and scripts read it; change it with the goldens.
#include "inspector/model/event_text.h"

#include <cstdio>
#include <optional>
#include <type_traits>

#include "mm/phys/frame_kind.h"

namespace glass::inspector {

using telemetry::MsgType;

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

namespace {
std::string kind_text(uint8_t k) {
  if (k < mm::kFrameKindCount) return mm::kind_name(static_cast<mm::FrameKind>(k));
  return "kind#" + std::to_string(k);
}
std::string quoted(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      o += b;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o + "\"";
}
const char* ktap_text(telemetry::KtapStatus s) {
  switch (s) {
    case telemetry::KtapStatus::kOk:
      return "ok";
    case telemetry::KtapStatus::kNotOk:
      return "not-ok";
    case telemetry::KtapStatus::kSkip:
      return "skip";
  }
  return "?";
}

namespace tf = telemetry::field;

// One field by its codec's rule (nothing for hidden fields).
template <typename C, typename V>
std::optional<FieldText> field_of(const DecodedEvent& d, const char* name, const V& v) {
  if constexpr (C::show == telemetry::Show::kHidden) {
    return std::nullopt;
  } else if constexpr (C::show == telemetry::Show::kDec) {
    return FieldText{name, std::to_string(static_cast<uint64_t>(v)), FieldText::kNumber};
  } else if constexpr (C::show == telemetry::Show::kHex) {
    return FieldText{name, hex(static_cast<uint64_t>(v))};
  } else if constexpr (std::is_same_v<C, tf::FrameKindField>) {
    return FieldText{name, kind_text(v)};
  } else if constexpr (std::is_same_v<C, tf::Vpn>) {
    return FieldText{"va", hex(telemetry::va_of(v))};  // a page number reads best as its address
  } else if constexpr (std::is_same_v<C, tf::Text>) {
    // The decoder moved the text out of the frame (stream_decoder).
    return FieldText{name, d.text, FieldText::kText};
  } else if constexpr (std::is_same_v<C, tf::Deltas>) {
    std::string s;  // the entries' values, expanded from value0, stride and the deltas
    for (size_t i = 0; i < d.values.size(); ++i) {
      if (i == 4 && d.values.size() > 5) {
        s += ",...," + hex(d.values.back());
        break;
      }
      s += (i ? "," : "") + hex(d.values[i]);
    }
    return FieldText{"values", s};
  } else if constexpr (std::is_same_v<C, tf::WalkLevels>) {
    std::string s;
    for (uint8_t i = 0; i < v.count; ++i) s += (i ? " " : "") + describe(v.at[i]);
    return FieldText{name, s, FieldText::kBare};
  } else if constexpr (std::is_same_v<C, tf::KtapStatusField>) {
    return FieldText{name, ktap_text(v)};
  } else if constexpr (std::is_same_v<C, tf::WalkStatusField>) {
    return FieldText{name, walk_status_name(v)};
  } else if constexpr (std::is_same_v<C, tf::DemoRunField>) {
    return FieldText{name, demo_run_name(v)};
  } else {
    static_assert(sizeof(C) == 0, "a Show::kSpecial codec without a rule in event_text.cpp");
  }
}

}  // namespace

// Every declared field of the event, in wire order (message_table.h): nothing here names a
// message, so a new one is shown without an edit.
std::vector<FieldText> fields(const DecodedEvent& d) {
  std::vector<FieldText> out;
  (void)telemetry::visit(d.ev, [&](const auto& m) {
    telemetry::msg::for_each_field(m, [&](auto codec, const auto& v, const char* field) {
      if (auto f = field_of<decltype(codec)>(d, field, v)) out.push_back(std::move(*f));
    });
  });
  return out;
}

std::string describe(const DecodedEvent& d) {
  const char* name = telemetry::msg_name(d.ev.type);
  std::string s = name ? name : "?";
  for (const FieldText& f : fields(d)) {
    if (f.form == FieldText::kBare) {
      if (!f.value.empty()) s += " " + f.value;
    } else {
      s += " " + f.name + "=" + (f.form == FieldText::kText ? quoted(f.value) : f.value);
    }
  }
  return s;
}

const char* walk_status_name(telemetry::WalkStatus s) {
  switch (s) {
    case telemetry::WalkStatus::kLeaf:
      return "leaf";
    case telemetry::WalkStatus::kNotPresent:
      return "not-present";
    case telemetry::WalkStatus::kUnknownAsid:
      return "unknown-asid";
    case telemetry::WalkStatus::kNonCanonical:
      return "non-canonical";
    case telemetry::WalkStatus::kBadTable:
      return "bad-table";
  }
  return "?";
}

const char* demo_run_name(telemetry::DemoRun r) {
  switch (r) {
    case telemetry::DemoRun::kNone:
      return "none";
    case telemetry::DemoRun::kRunning:
      return "running";
    case telemetry::DemoRun::kPaused:
      return "paused";
  }
  return "?";
}

std::string describe(const telemetry::WalkLevel& l) {
  return "L" + std::to_string(l.level) + "[table=" + hex(l.table_pfn << 12) +
         " index=" + std::to_string(l.index) + " entry=" + hex(l.entry) + "]";
}

std::string dump_line(const StreamItem& it) {
  if (it.kind == StreamItem::Kind::kGap) return describe(it.gap);
  return "seq=" + std::to_string(it.event.seq) + " " + describe(it.event);
}

std::string describe(const Gap& g) {
  return std::string("GAP ") + gap_kind_name(g.kind) + " at=" + std::to_string(g.offset) +
         " bytes=" + std::to_string(g.bytes) + " frames=" + std::to_string(g.frames) + ": " +
         g.detail;
}

}  // namespace glass::inspector
