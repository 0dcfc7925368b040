// The inspector's look: a dark theme with high contrast for projectors, and the fonts for a UI
// scale. Colours of data (frame kinds, cursors) are inspector/view/palette.h's, not here.
#pragma once

namespace glass::inspector::app {

// Applies the dark theme and loads the UI font at `scale` (1 = 16 px). Call once, before the
// first frame. Falls back to ImGui's built-in font when no TrueType font is installed.
void apply_theme(float scale);

// Colours the views share, IM_COL32 order.
inline constexpr unsigned kTextDim = 0xFFB0B0B0u;
inline constexpr unsigned kTextWarn = 0xFF40C0FFu;  // amber
inline constexpr unsigned kTextBad = 0xFF5050FFu;   // red
inline constexpr unsigned kTextGood = 0xFF70E070u;  // green
inline constexpr unsigned kHighlightRow = 0x6040A0FFu;

}  // namespace glass::inspector::app
