// Colours and names the inspector draws with: frame kinds (the one table in mm/phys/frame_kind.h,
// in ImGui's byte order), cursors, and the frame map's background.
//
// Invariants: every colour is opaque and returned as IM_COL32 packs it (0xAABBGGRR), so the app
// passes it straight to ImGui. kind_rgba() of a kind outside mm::FrameKind is kUnknownKindRgba,
// never a neighbour's colour. cursor_rgba() is a pure function of the id: the same cursor keeps
// its colour in every view and every frame.
#pragma once

#include <stdint.h>

#include <vector>

namespace glass::inspector::view {

// Cells of the frame map beyond the last frame: darker than "free" so the end of RAM shows.
inline constexpr uint32_t kBackgroundRgba = 0xFF140F0Cu;  // #0C0F14
inline constexpr uint32_t kUnknownKindRgba = 0xFFFFFFFFu;

// 0xRRGGBB (as mm writes colours) -> 0xAABBGGRR, opaque.
[[nodiscard]] constexpr uint32_t rgb_to_rgba(uint32_t rgb) {
  return 0xFF000000u | ((rgb & 0xFF) << 16) | (rgb & 0xFF00) | ((rgb >> 16) & 0xFF);
}

[[nodiscard]] uint32_t kind_rgba(uint8_t frame_kind);
[[nodiscard]] const char* kind_name(uint8_t frame_kind);
[[nodiscard]] uint32_t cursor_rgba(uint64_t cursor_id);

struct LegendEntry {
  uint8_t kind;
  const char* name;
  uint32_t rgba;
};
// Every frame kind, in enum order.
[[nodiscard]] std::vector<LegendEntry> legend();

}  // namespace glass::inspector::view
