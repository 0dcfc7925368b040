// libFuzzer target: arbitrary bytes into the stream decoder and the model must never crash, must
// account for every byte, and must resynchronise: a good frame appended after the input (behind a
// delimiter) is always delivered intact.
#include <stddef.h>
#include <stdint.h>

#include <cstdlib>
#include <vector>

#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "protocol/encoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace glass;
  inspector::StreamDecoder d;
  inspector::StateModel m;
  std::vector<inspector::StreamItem> items;
  d.feed(data, size, items);
  for (const auto& it : items) m.apply(it);
  (void)m.reverse_map(1);
  if (m.digest() != m.recompute_digest()) std::abort();
  // Resync: delimiter + a known frame must come out as exactly that event.
  telemetry::FrameBuilder fb;
  if (telemetry::encode::log(fb.writer(), telemetry::LogLevel::kInfo, 1, "resync", 6).is_error())
    std::abort();
  uint8_t out[telemetry::kMaxWireFrame + 1];
  out[0] = 0;
  auto n = fb.seal(0x5eed, out + 1, sizeof out - 1);
  if (n.is_error()) std::abort();
  items.clear();
  d.feed(out, n.value() + 1, items);
  if (items.empty() || items.back().kind != inspector::StreamItem::Kind::kEvent ||
      items.back().event.text != "resync")
    if (!d.version_error()) std::abort();
  if (d.stats().bytes != size + n.value() + 1) std::abort();
  return 0;
}
