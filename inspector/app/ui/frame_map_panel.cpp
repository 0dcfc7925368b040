// FrameMapPanel: see frame_map_panel.h.
#include "inspector/app/ui/frame_map_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "inspector/app/ui/fit_text.h"
#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"
#include "inspector/view/entry_bits.h"
#include "inspector/view/legend_text.h"
#include "inspector/view/palette.h"

namespace glass::inspector::app {

void FrameMapPanel::fit(uint64_t frames) {
  const double cells = static_cast<double>(vp_.cols) * vp_.rows;
  // Zoomed out: whole frames per cell. Zoomed in (few frames): a whole number of cells per
  // frame, so every frame is the same size on screen.
  const double fpc = static_cast<double>(frames) / std::max(cells, 1.0);
  vp_.frames_per_cell = fpc >= 1 ? std::ceil(fpc)
                                 : 1.0 / std::clamp(std::floor(1.0 / std::max(fpc, 1e-9)), 1.0,
                                                    1.0 / kMinFramesPerCell);
  first_ = 0;
  fitted_ = true;
  fitted_frames_ = frames;
}

void FrameMapPanel::draw_legend() {
  // The counts come from the fold's pass over the frame table (one pass for both).
  const auto& counts = fold_.kind_counts();
  const float sq = ImGui::GetTextLineHeight();
  const float right = ImGui::GetContentRegionMax().x;
  bool first = true;
  for (const auto& e : view::legend()) {
    char text[64];
    std::snprintf(text, sizeof text, "%s %llu", e.name,
                  static_cast<unsigned long long>(counts[e.kind & 15]));
    const float w = sq + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(text).x;
    if (!first) {
      ImGui::SameLine();
      if (ImGui::GetCursorPosX() + w > right) ImGui::NewLine();
    }
    first = false;
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + sq, p.y + sq), e.rgba);
    ImGui::Dummy(ImVec2(sq, sq));
    ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
    ImGui::TextUnformatted(text);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", view::kind_meaning(e.kind));
  }
}

void FrameMapPanel::draw_tools(const StateModel& m, UiState& ui, bool& fit_pressed) {
  fit_pressed = ImGui::SmallButton("Fit");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("zoom out to show every frame");
  const float fs = ImGui::GetFontSize();
  same_line_if_fits(ImGui::CalcTextSize("fold free runs").x + fs * 2);
  if (ImGui::Checkbox("fold free runs", &fold_on_)) fit_pressed = true;
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("free runs of %llu frames or more shown as a short striped band",
                      static_cast<unsigned long long>(view::FrameFold::kMinRun));
  same_line_if_fits(fs * 7);
  ImGui::SetNextItemWidth(fs * 7);
  const bool enter = ImGui::InputTextWithHint("##goto", "frame N", goto_text_, sizeof goto_text_,
                                              ImGuiInputTextFlags_EnterReturnsTrue);
  same_line_if_fits(ImGui::CalcTextSize("Go to frame").x + fs);
  if (ImGui::SmallButton("Go to frame") || enter) {
    // Frame numbers are decimal, as the map, the tooltips and the walk print them; 0x for hex.
    char* end = nullptr;
    errno = 0;
    const bool hex_text = goto_text_[0] == '0' && (goto_text_[1] == 'x' || goto_text_[1] == 'X');
    const unsigned long long v = std::strtoull(goto_text_, &end, hex_text ? 16 : 10);
    const uint64_t frames = m.frames().size();
    if (goto_text_[0] == '\0' || goto_text_[0] == '-' || end == goto_text_ || *end != '\0' ||
        errno == ERANGE) {
      goto_message_ = std::string("'") + goto_text_ + "' is not a frame number";
      marked_pfn_.reset();
    } else if (v >= frames) {
      goto_message_ = "frame " + std::to_string(v) + " is beyond the " + std::to_string(frames) +
                      " frames of RAM";
      marked_pfn_.reset();
    } else {
      // A folded frame cannot be outlined on its own: unfold first.
      if (fold_on_ && fold_.display_of(v) && fold_.at(*fold_.display_of(v))->folded) {
        fold_on_ = false;
        fold_.build(m, false);
        fold_gen_ = ui.model_gen;
        fold_built_on_ = false;
        fit(fold_.display_count());
      }
      if (auto first = view::first_display_showing(fold_, vp_.frames_per_cell, vp_.cols, v))
        first_ = *first;
      marked_pfn_ = v;
      const view::FrameInfoView f = view::describe_frame(m, v);
      goto_message_ = "frame " + std::to_string(v) + " (outlined): " + view::kind_name(f.kind) +
                      ", owner " + m.names().owner(f.owner);
      if (!f.mappings.empty()) {
        ui.asid = f.mappings[0].asid;
        ui.asid_chosen = true;
        ui.reveal_va = f.mappings[0].va;
      }
    }
  }
}

void FrameMapPanel::tooltip(const StateModel& m, UiState& ui, uint64_t display) {
  const auto at = fold_.at(display);
  if (!at) return;
  if (at->folded) {
    ImGui::BeginTooltip();
    ImGui::TextColored(ImColor(view::kFoldRgba), "%llu free frames folded",
                       static_cast<unsigned long long>(at->segment->pfn_count));
    ImGui::Text(
        "frames %llu..%llu (%s..%s)", static_cast<unsigned long long>(at->segment->pfn_first),
        static_cast<unsigned long long>(at->segment->pfn_first + at->segment->pfn_count - 1),
        hex(at->segment->pfn_first << 12).c_str(),
        hex((at->segment->pfn_first + at->segment->pfn_count) << 12).c_str());
    ImGui::TextDisabled("untick \"fold free runs\" to see them one by one");
    ImGui::EndTooltip();
    return;
  }
  const view::FrameInfoView f = view::describe_frame(m, at->pfn);
  ImGui::BeginTooltip();
  ImGui::Text("frame %llu  phys %s", static_cast<unsigned long long>(f.pfn), hex(f.phys).c_str());
  ImGui::TextColored(ImColor(view::kind_rgba(f.kind)), "%s", view::kind_name(f.kind));
  ImGui::SameLine();
  ImGui::Text("owner %s", m.names().owner(f.owner).c_str());
  if (f.folio_refcount)
    ImGui::Text("folio: refcount %u, frames %llu..+%llu", *f.folio_refcount,
                static_cast<unsigned long long>(f.folio_first.value_or(0)),
                static_cast<unsigned long long>(f.folio_count.value_or(0)));
  if (f.pt_node_asid)
    ImGui::Text("the %s table of a page-table tree of %s",
                view::table_abbrev(f.pt_node_level.value_or(0)),
                m.names().space(static_cast<uint32_t>(*f.pt_node_asid)).c_str());
  if (f.mappings.empty()) ImGui::TextDisabled("not mapped by any present leaf");
  for (size_t i = 0; i < f.mappings.size() && i < 8; ++i)
    ImGui::Text("mapped at %s in %s (a %s page, by a %s entry)", va_text(f.mappings[i].va).c_str(),
                m.names().space(f.mappings[i].asid).c_str(),
                view::page_size_text(f.mappings[i].level), view::table_abbrev(f.mappings[i].level));
  if (f.mappings.size() > 8) ImGui::TextDisabled("... %zu more", f.mappings.size() - 8);
  ImGui::EndTooltip();
  if (ImGui::IsMouseReleased(ImGuiMouseButton_Left) &&
      ImGui::GetIO().MouseDragMaxDistanceSqr[0] < 16) {
    if (!f.mappings.empty()) {
      ui.asid = f.mappings[0].asid;
      ui.asid_chosen = true;
      ui.reveal_va = f.mappings[0].va;
    } else if (f.pt_node_asid) {
      ui.asid = static_cast<uint32_t>(*f.pt_node_asid);
      ui.asid_chosen = true;
    }
  }
}

void FrameMapPanel::draw(const StateModel& m, UiState& ui) {
  const uint64_t frames = m.frames().size();
  if (fold_gen_ != ui.model_gen || fold_built_on_ != fold_on_) {
    fold_.build(m, fold_on_);
    fold_gen_ = ui.model_gen;
    if (fold_built_on_ != fold_on_) drawn_gen_ = ~uint64_t{0};
    fold_built_on_ = fold_on_;
  }
  draw_legend();
  bool fit_pressed = false;
  draw_tools(m, ui, fit_pressed);
  const uint64_t shown = fold_.display_count();
  if (fold_.folds() > 0)
    ImGui::TextWrapped(
        "%llu frames (%llu free in %zu folded runs, striped); %.3g per cell; wheel: zoom, "
        "drag: pan, click: show in tree",
        static_cast<unsigned long long>(frames),
        static_cast<unsigned long long>(fold_.folded_frames()), fold_.folds(), vp_.frames_per_cell);
  else
    ImGui::TextWrapped("%llu frames; %.3g per cell; wheel: zoom, drag: pan, click: show in tree",
                       static_cast<unsigned long long>(frames), vp_.frames_per_cell);
  if (!goto_message_.empty()) ImGui::TextWrapped("%s", goto_message_.c_str());
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float cell_px = std::max(1.0f, std::round(2.0f * ImGui::GetFontSize() / 16.0f));
  const uint32_t cols = std::max(1u, static_cast<uint32_t>(std::max(avail.x, 1.0f) / cell_px));
  const uint32_t rows = std::max(1u, static_cast<uint32_t>(std::max(avail.y, 1.0f) / cell_px));
  const bool grid_changed = cols != vp_.cols || rows != vp_.rows;
  vp_.cols = cols;
  vp_.rows = rows;
  if (!fitted_ || fit_pressed || shown != fitted_frames_ || (grid_changed && first_ == 0))
    fit(shown);
  vp_.first_pfn = static_cast<uint64_t>(std::max(0.0, first_));

  if (ui.model_gen != drawn_gen_ || vp_.first_pfn != drawn_vp_.first_pfn ||
      vp_.frames_per_cell != drawn_vp_.frames_per_cell || vp_.cols != drawn_vp_.cols ||
      vp_.rows != drawn_vp_.rows) {
    view::render_display_map(fold_.kinds(), vp_, cells_);
    tex_.upload(cells_, vp_.cols, vp_.rows);
    drawn_gen_ = ui.model_gen;
    drawn_vp_ = vp_;
  }
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(static_cast<float>(cols) * cell_px, static_cast<float>(rows) * cell_px);
  ImGui::Image(tex_.imgui_id(), size);
  char fact[128];
  std::snprintf(fact, sizeof fact, " map=%.0f,%.0f,%.0f,%.0f folds=%zu", origin.x, origin.y, size.x,
                size.y, fold_.folds());
  ui.facts += fact;
  std::snprintf(fact, sizeof fact, "%.0f,%.0f,%.0f,%.0f", origin.x, origin.y, size.x, size.y);
  ui.layout["map"] = fact;
  if (marked_pfn_) {
    // The frame "Go to" found, outlined in white (and black, to show on any colour).
    if (auto d = fold_.display_of(*marked_pfn_); d && *d >= vp_.first_pfn) {
      view::FrameViewport at = vp_;
      if (auto cell = view::pfn_to_cell(at, *d)) {
        const float x = origin.x + static_cast<float>(cell->first) * cell_px;
        const float y = origin.y + static_cast<float>(cell->second) * cell_px;
        const float r = std::max(cell_px * 2, ImGui::GetFontSize() * 0.4f);
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddRect(ImVec2(x - r - 1, y - r - 1), ImVec2(x + cell_px + r + 1, y + cell_px + r + 1),
                    0xFF000000u, 0, 0, 2);
        dl->AddRect(ImVec2(x - r, y - r), ImVec2(x + cell_px + r, y + cell_px + r), 0xFFFFFFFFu, 0,
                    0, 2);
      }
    }
  }
  const bool hovered = ImGui::IsItemHovered();
  if (!hovered || shown == 0) return;

  ImGuiIO& io = ImGui::GetIO();
  const uint32_t col =
      std::min(cols - 1, static_cast<uint32_t>(std::max(0.0f, io.MousePos.x - origin.x) / cell_px));
  const uint32_t row =
      std::min(rows - 1, static_cast<uint32_t>(std::max(0.0f, io.MousePos.y - origin.y) / cell_px));
  if (io.MouseWheel != 0) {
    // Zoom around the frame under the pointer: it stays under the pointer.
    const double cell = static_cast<double>(row) * cols + col;
    const double anchor = first_ + cell * vp_.frames_per_cell;
    const double fpc = vp_.frames_per_cell * (io.MouseWheel > 0 ? 0.8 : 1.25);
    vp_.frames_per_cell =
        std::clamp(fpc, kMinFramesPerCell, std::max(1.0, static_cast<double>(shown)));
    first_ = std::max(0.0, anchor - cell * vp_.frames_per_cell);
  }
  if (ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
    const ImVec2 d = io.MouseDelta;
    first_ -= (std::round(d.y / cell_px) * cols + std::round(d.x / cell_px)) * vp_.frames_per_cell;
    first_ = std::clamp(first_, 0.0, static_cast<double>(shown));
  }
  if (auto display = view::cell_to_pfn(vp_, col, row, shown)) tooltip(m, ui, *display);
}

}  // namespace glass::inspector::app
