// Helpers for the telemetry tests: decode a byte stream into items, feed a model.
#pragma once

#include <vector>

#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"

namespace glass::inspector::testing {

inline std::vector<StreamItem> decode_all(const std::vector<uint8_t>& bytes) {
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(bytes.data(), bytes.size(), items);
  d.finish(items);
  return items;
}

inline std::vector<StreamItem> events_only(const std::vector<StreamItem>& in) {
  std::vector<StreamItem> out;
  for (const auto& it : in)
    if (it.kind == StreamItem::Kind::kEvent) out.push_back(it);
  return out;
}

}  // namespace glass::inspector::testing
