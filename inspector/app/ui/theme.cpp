// Theme: ImGui's dark style made brighter where text meets background, because projected
// images lose contrast; sizes scaled once so every view inherits them.
#include "inspector/app/ui/theme.h"

#include <imgui.h>
#include <unistd.h>

namespace glass::inspector::app {

namespace {
constexpr const char* kFonts[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
};
}  // namespace

void apply_theme(float scale) {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 0;
  s.FrameRounding = 3;
  s.TabRounding = 3;
  s.WindowBorderSize = 0;
  s.FramePadding = ImVec2(6, 4);
  s.ItemSpacing = ImVec2(8, 5);
  ImVec4* c = s.Colors;
  c[ImGuiCol_WindowBg] = ImVec4(0.07f, 0.08f, 0.10f, 1.0f);
  // Window and child backgrounds stay transparent over the cleared framebuffer: under a software
  // renderer (Mesa llvmpipe) every full-window fill is a measurable share of the frame.
  c[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
  c[ImGuiCol_Text] = ImVec4(0.95f, 0.95f, 0.95f, 1.0f);
  c[ImGuiCol_TextDisabled] = ImVec4(0.62f, 0.62f, 0.65f, 1.0f);
  c[ImGuiCol_Header] = ImVec4(0.22f, 0.35f, 0.55f, 0.80f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.28f, 0.45f, 0.70f, 0.90f);
  c[ImGuiCol_Tab] = ImVec4(0.15f, 0.20f, 0.28f, 1.0f);
  c[ImGuiCol_TabActive] = ImVec4(0.25f, 0.42f, 0.68f, 1.0f);
  c[ImGuiCol_TabHovered] = ImVec4(0.32f, 0.52f, 0.80f, 1.0f);
  c[ImGuiCol_TableRowBgAlt] = ImVec4(1.0f, 1.0f, 1.0f, 0.04f);
  s.ScaleAllSizes(scale);

  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini next to wherever the app was started
  io.Fonts->Clear();
  bool loaded = false;
  for (const char* f : kFonts) {
    if (::access(f, R_OK) != 0) continue;
    if (io.Fonts->AddFontFromFileTTF(f, 16.0f * scale) != nullptr) {
      loaded = true;
      break;
    }
  }
  if (!loaded) {
    ImFontConfig cfg;
    cfg.SizePixels = 13.0f * scale;
    io.Fonts->AddFontDefault(&cfg);
  }
}

}  // namespace glass::inspector::app
