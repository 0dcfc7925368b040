// Helpers for the telemetry tests: decode a byte stream into items, feed a model.
#pragma once

#include <cstdlib>
#include <filesystem>
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

// The golden traces (tests/host/data/telemetry/golden), wherever the test binary runs from.
inline std::filesystem::path golden_dir() {
  if (const char* env = std::getenv("GLASS_SOURCE_DIR"))
    return std::filesystem::path(env) / "tests/host/data/telemetry/golden";
  // __FILE__ is relative to the top of the tree when SCons builds (and the binary runs there).
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "telemetry" /
         "golden";
}

}  // namespace glass::inspector::testing
