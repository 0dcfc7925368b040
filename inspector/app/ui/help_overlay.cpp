// HelpOverlay: see help_overlay.h.
#include "inspector/app/ui/help_overlay.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>

#include "inspector/app/ui/theme.h"
#include "inspector/view/legend_text.h"

namespace glass::inspector::app {

std::vector<Key> HelpOverlay::keys_pressed() {
  std::vector<Key> out;
  const auto pressed = [](ImGuiKey k) { return ImGui::IsKeyPressed(ImGui::GetKeyIndex(k)); };
  if (pressed(ImGuiKey_LeftArrow)) out.push_back(Key::kLeft);
  if (pressed(ImGuiKey_RightArrow)) out.push_back(Key::kRight);
  if (pressed(ImGuiKey_Home)) out.push_back(Key::kHome);
  if (pressed(ImGuiKey_End)) out.push_back(Key::kEnd);
  if (pressed(ImGuiKey_Space)) out.push_back(Key::kSpace);
  if (pressed(ImGuiKey_Escape)) out.push_back(Key::kEscape);
  // ImGui 1.86 indexes keys by the backend's codes: GLFW's for F1.
  if (ImGui::IsKeyPressed(GLFW_KEY_F1)) out.push_back(Key::kF1);
  // '?' is a character (shift and a layout-dependent key): read it from the text input queue.
  const ImGuiIO& io = ImGui::GetIO();
  for (int i = 0; i < io.InputQueueCharacters.Size; ++i)
    if (io.InputQueueCharacters[i] == '?') out.push_back(Key::kQuestion);
  return out;
}

void HelpOverlay::draw() {
  if (!open_) return;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const ImVec2 size(std::max(vp->Size.x * 0.8f, 1.0f), std::max(vp->Size.y * 0.8f, 1.0f));
  ImGui::SetNextWindowPos(ImVec2(vp->Pos.x + vp->Size.x * 0.1f, vp->Pos.y + vp->Size.y * 0.1f));
  ImGui::SetNextWindowSize(size);
  ImGui::SetNextWindowBgAlpha(0.96f);
  bool keep = true;
  if (ImGui::Begin("Help (F1, ? or Escape closes)###help", &keep,
                   ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                       ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoCollapse)) {
    ImGui::TextColored(ImColor(kTextGood), "The tabs");
    for (const auto& t : tab_help()) {
      ImGui::BulletText("%s", t.title);
      ImGui::SameLine();
      ImGui::TextWrapped("- %s", t.shows);
    }
    ImGui::Separator();
    ImGui::TextColored(ImColor(kTextGood), "Keys");
    for (const auto& s : shortcuts()) {
      ImGui::BulletText("%-12s", s.keys);
      ImGui::SameLine();
      ImGui::TextUnformatted(s.does);
    }
    ImGui::Separator();
    ImGui::TextColored(ImColor(kTextGood), "Page-table levels (one name each, everywhere)");
    for (const auto& l : view::level_names()) {
      ImGui::BulletText("%-5s", l.column);
      ImGui::SameLine();
      ImGui::TextUnformatted(l.meaning);
    }
    ImGui::Separator();
    ImGui::TextColored(ImColor(kTextGood), "Entry flags");
    for (const auto& f : view::flag_meanings()) {
      ImGui::BulletText("%-4s", f.flag);
      ImGui::SameLine();
      ImGui::TextUnformatted(f.meaning);
    }
  }
  ImGui::End();
  if (!keep) open_ = false;
}

}  // namespace glass::inspector::app
