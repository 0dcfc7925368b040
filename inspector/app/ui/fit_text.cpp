// fit_text: see fit_text.h.
#include "inspector/app/ui/fit_text.h"

#include <imgui.h>

#include <string>

namespace glass::inspector::app {

namespace {

void draw_fitted(const ImVec4* colour, const char* text) {
  const float avail = ImGui::GetContentRegionAvail().x;
  const float full = ImGui::CalcTextSize(text).x;
  if (full <= avail || avail <= 0) {
    if (colour) ImGui::PushStyleColor(ImGuiCol_Text, *colour);
    ImGui::TextUnformatted(text);
    if (colour) ImGui::PopStyleColor();
    return;
  }
  // The longest prefix that fits with "..." after it (byte-wise: the inspector's texts are ASCII).
  const float dots = ImGui::CalcTextSize("...").x;
  std::string cut(text);
  size_t lo = 0, hi = cut.size();
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    if (ImGui::CalcTextSize(text, text + mid).x + dots <= avail)
      lo = mid;
    else
      hi = mid - 1;
  }
  cut.resize(lo);
  cut += "...";
  if (colour) ImGui::PushStyleColor(ImGuiCol_Text, *colour);
  ImGui::TextUnformatted(cut.c_str());
  if (colour) ImGui::PopStyleColor();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

}  // namespace

void fit_text(const char* text) {
  draw_fitted(nullptr, text);
}

void fit_text_coloured(unsigned rgba, const char* text) {
  const ImVec4 c = ImGui::ColorConvertU32ToFloat4(rgba);
  draw_fitted(&c, text);
}

void same_line_if_fits(float width) {
  ImGui::SameLine();
  if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
}

}  // namespace glass::inspector::app
