// Palette: see palette.h. Why cursors use golden-ratio hues: cursor ids are covering-node frame
// numbers, often close together; stepping the hue by the golden ratio per id spreads any few
// nearby ids around the wheel, odd and even ids differ in saturation, and full value stays bright
// on the dark background a projector shows.
#include "inspector/view/palette.h"

#include <cmath>

#include "mm/phys/frame_kind.h"

namespace glass::inspector::view {

uint32_t kind_rgba(uint8_t frame_kind) {
  if (frame_kind >= mm::kFrameKindCount) return kUnknownKindRgba;
  return rgb_to_rgba(mm::kKindColour[frame_kind]);
}

const char* kind_name(uint8_t frame_kind) {
  if (frame_kind >= mm::kFrameKindCount) return "unknown";
  return mm::kind_name(static_cast<mm::FrameKind>(frame_kind));
}

uint32_t cursor_rgba(uint64_t cursor_id) {
  constexpr double kGolden = 0.6180339887498949;
  double h = std::fmod(static_cast<double>(cursor_id % 1000003) * kGolden, 1.0) * 6.0;
  // Alternating saturation separates ids whose golden-ratio hues land close together.
  const double s = cursor_id % 2 ? 0.45 : 0.85, v = 1.0;
  int sector = static_cast<int>(h) % 6;
  double f = h - std::floor(h);
  double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r = 0, g = 0, b = 0;
  switch (sector) {
    case 0:
      r = v, g = t, b = p;
      break;
    case 1:
      r = q, g = v, b = p;
      break;
    case 2:
      r = p, g = v, b = t;
      break;
    case 3:
      r = p, g = q, b = v;
      break;
    case 4:
      r = t, g = p, b = v;
      break;
    default:
      r = v, g = p, b = q;
      break;
  }
  // Blues and purples carry little luminance: mix them with white until the colour reads as text
  // on the dark theme (a projector washes dark colours out first).
  constexpr double kMinLuma = 0.5;
  const double luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  if (luma < kMinLuma) {
    const double k = (kMinLuma - luma) / (1.0 - luma);
    r += (1 - r) * k, g += (1 - g) * k, b += (1 - b) * k;
  }
  auto byte = [](double x) { return static_cast<uint32_t>(std::lround(x * 255.0)) & 0xFF; };
  return 0xFF000000u | (byte(b) << 16) | (byte(g) << 8) | byte(r);
}

std::vector<LegendEntry> legend() {
  std::vector<LegendEntry> out;
  for (uint8_t k = 0; k < mm::kFrameKindCount; ++k) out.push_back({k, kind_name(k), kind_rgba(k)});
  return out;
}

}  // namespace glass::inspector::view
