// LogPanel: see log_panel.h.
#include "inspector/app/ui/log_panel.h"

#include <imgui.h>

#include "inspector/app/ui/theme.h"
#include "inspector/view/log_view.h"

namespace glass::inspector::app {

void LogPanel::draw(const StateModel& m, UiState& ui) {
  (void)ui;
  if (auto banner = view::panic_banner(m)) {
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImColor(0xFF2020A0u).Value);
    const float h = ImGui::GetTextLineHeightWithSpacing() * 4;
    ImGui::BeginChild("panic", ImVec2(0, h), true);
    ImGui::TextWrapped("%s", banner->c_str());
    ImGui::EndChild();
    ImGui::PopStyleColor();
  }
  const auto lines = view::log_lines(m);
  ImGui::TextDisabled("%zu lines (kernel log, KTAP results, panics, in arrival order)",
                      lines.size());
  ImGui::BeginChild("loglines");
  if (lines.empty()) ImGui::TextDisabled("the kernel has not logged anything in this state");
  ImGuiListClipper clip;
  clip.Begin(static_cast<int>(lines.size()));
  while (clip.Step()) {
    for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
      const auto& l = lines[static_cast<size_t>(i)];
      uint32_t col = 0xFFE0E0E0u;
      switch (l.kind) {
        case view::LogLine::kKtapOk:
          col = kTextGood;
          break;
        case view::LogLine::kKtapNotOk:
        case view::LogLine::kPanic:
          col = kTextBad;
          break;
        case view::LogLine::kKtapSkip:
          col = kTextWarn;
          break;
        case view::LogLine::kLog:
          break;
      }
      ImGui::TextDisabled("%10.6f", static_cast<double>(l.t_ns) / 1e9);
      ImGui::SameLine();
      ImGui::TextColored(ImColor(col), "%s", l.text.c_str());
    }
  }
  // Follow the newest line while the reader is at the bottom.
  if (lines.size() != last_count_ && ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 4)
    ImGui::SetScrollHereY(1.0f);
  last_count_ = lines.size();
  ImGui::EndChild();
}

}  // namespace glass::inspector::app
