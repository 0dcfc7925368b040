// FrameMapPanel: see frame_map_panel.h.
#include "inspector/app/ui/frame_map_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"
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

void FrameMapPanel::draw_legend(const StateModel& m, UiState& ui) {
  // Counting a million frames costs about as much as rendering the map: while the model keeps
  // changing, recount at most every kCountSeconds.
  const double now = ImGui::GetTime();
  // A navigation is counted at once: the legend shows the state at the event shown.
  if (counted_gen_ != ui.model_gen &&
      (kind_counts_.empty() || ui.navigated || now - counted_at_ >= kCountSeconds)) {
    kind_counts_.assign(256, 0);
    for (const auto& f : m.frames()) ++kind_counts_[f.kind];
    counted_gen_ = ui.model_gen;
    counted_at_ = now;
  } else if (counted_gen_ != ui.model_gen) {
    ui.redraw_in_s = std::min(ui.redraw_in_s, counted_at_ + kCountSeconds - now);
  }
  const float sq = ImGui::GetTextLineHeight();
  const float right = ImGui::GetContentRegionMax().x;
  bool first = true;
  for (const auto& e : view::legend()) {
    char text[64];
    std::snprintf(text, sizeof text, "%s %llu", e.name,
                  static_cast<unsigned long long>(kind_counts_[e.kind]));
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
  }
}

void FrameMapPanel::draw(const StateModel& m, UiState& ui) {
  const uint64_t frames = m.frames().size();
  draw_legend(m, ui);
  ImGui::TextDisabled(
      "%llu frames; %.3g frames per cell; wheel: zoom, drag: pan, click: show in tree",
      static_cast<unsigned long long>(frames), vp_.frames_per_cell);
  ImGui::SameLine();
  const bool fit_pressed = ImGui::SmallButton("Fit");
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float cell_px = std::max(1.0f, std::round(2.0f * ImGui::GetFontSize() / 16.0f));
  const uint32_t cols = std::max(1u, static_cast<uint32_t>(std::max(avail.x, 1.0f) / cell_px));
  const uint32_t rows = std::max(1u, static_cast<uint32_t>(std::max(avail.y, 1.0f) / cell_px));
  const bool grid_changed = cols != vp_.cols || rows != vp_.rows;
  vp_.cols = cols;
  vp_.rows = rows;
  if (!fitted_ || fit_pressed || frames != fitted_frames_ || (grid_changed && first_ == 0))
    fit(frames);
  vp_.first_pfn = static_cast<uint64_t>(std::max(0.0, first_));

  if (ui.model_gen != drawn_gen_ || vp_.first_pfn != drawn_vp_.first_pfn ||
      vp_.frames_per_cell != drawn_vp_.frames_per_cell || vp_.cols != drawn_vp_.cols ||
      vp_.rows != drawn_vp_.rows) {
    view::render_frame_map(m, vp_, cells_);
    tex_.upload(cells_, vp_.cols, vp_.rows);
    drawn_gen_ = ui.model_gen;
    drawn_vp_ = vp_;
  }
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(static_cast<float>(cols) * cell_px, static_cast<float>(rows) * cell_px);
  ImGui::Image(tex_.imgui_id(), size);
  char fact[96];
  std::snprintf(fact, sizeof fact, " map=%.0f,%.0f,%.0f,%.0f", origin.x, origin.y, size.x, size.y);
  ui.facts += fact;
  const bool hovered = ImGui::IsItemHovered();
  if (!hovered || frames == 0) return;

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
        std::clamp(fpc, kMinFramesPerCell, std::max(1.0, static_cast<double>(frames)));
    first_ = std::max(0.0, anchor - cell * vp_.frames_per_cell);
  }
  if (ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
    const ImVec2 d = io.MouseDelta;
    first_ -= (std::round(d.y / cell_px) * cols + std::round(d.x / cell_px)) * vp_.frames_per_cell;
    first_ = std::clamp(first_, 0.0, static_cast<double>(frames));
  }
  auto pfn = view::cell_to_pfn(vp_, col, row, frames);
  if (!pfn) return;
  const view::FrameInfoView f = view::describe_frame(m, *pfn);
  ImGui::BeginTooltip();
  ImGui::Text("frame %llu  phys %s", static_cast<unsigned long long>(f.pfn), hex(f.phys).c_str());
  ImGui::TextColored(ImColor(view::kind_rgba(f.kind)), "%s", view::kind_name(f.kind));
  ImGui::SameLine();
  ImGui::Text("owner %u", f.owner);
  if (f.folio_refcount)
    ImGui::Text("folio: refcount %u, frames %llu..+%llu", *f.folio_refcount,
                static_cast<unsigned long long>(f.folio_first.value_or(0)),
                static_cast<unsigned long long>(f.folio_count.value_or(0)));
  if (f.pt_node_asid)
    ImGui::Text("page-table node of address space %llu (level %u)",
                static_cast<unsigned long long>(*f.pt_node_asid), f.pt_node_level.value_or(0));
  if (f.mappings.empty()) ImGui::TextDisabled("not mapped by any present leaf");
  for (size_t i = 0; i < f.mappings.size() && i < 8; ++i)
    ImGui::Text("mapped at %s in address space %u (level %u)", va_text(f.mappings[i].va).c_str(),
                f.mappings[i].asid, f.mappings[i].level);
  if (f.mappings.size() > 8) ImGui::TextDisabled("... %zu more", f.mappings.size() - 8);
  ImGui::EndTooltip();
  if (ImGui::IsMouseReleased(ImGuiMouseButton_Left) && io.MouseDragMaxDistanceSqr[0] < 16) {
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

}  // namespace glass::inspector::app
