// Text that fits its cell: drawn whole when it fits the width left, otherwise cut with an
// ellipsis and the whole text in a tooltip on hover, so a narrow window or a projector's
// --scale 2 never clips a word silently. And SameLine only when the next item still fits.
//
// Invariants: never draws past the content region's right edge; the tooltip shows exactly the
// text given; draws one item (so IsItemHovered() after it refers to it).
#pragma once

namespace glass::inspector::app {

void fit_text(const char* text);
// Like fit_text, in a colour (IM_COL32 order).
void fit_text_coloured(unsigned rgba, const char* text);
// ImGui::SameLine() if an item `width` pixels wide still fits on this line; else a new line.
void same_line_if_fits(float width);

}  // namespace glass::inspector::app
