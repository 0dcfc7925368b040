// LocksPanel: see locks_panel.h.
#include "inspector/app/ui/locks_panel.h"

#include <imgui.h>

#include <algorithm>

#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"
#include "inspector/view/cursor_rows.h"

namespace glass::inspector::app {

void LocksPanel::draw(const StateModel& m, UiState& ui, TreePanel& tree) {
  const auto cursors = view::cursor_rows(m);
  const float avail_y = ImGui::GetContentRegionAvail().y;
  ImGui::BeginChild("cursors", ImVec2(0, std::max(avail_y * 0.35f, 1.0f)));
  if (cursors.empty()) {
    ImGui::TextDisabled("no cursor is live: page-table nodes are locked only while a cursor works");
    ImGui::TextDisabled("(live: demo=mm runs cursors; PAUSE it with glass-trace pause to look)");
  } else if (ImGui::BeginTable("cur", 8,
                               ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                   ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    static constexpr const char* kHeads[][2] = {
        {"cursor",
         "numbered from 1 in this boot, in the order cursors began (hover: the kernel's id)"},
        {"cpu", "the CPU the cursor runs on"},
        {"space", "the address space whose tree it locks"},
        {"locked range", "the virtual range the cursor may change; nobody else may meanwhile"},
        {"nodes held", "the page-table nodes (tables) whose locks it holds, physical addresses"},
        {"held", "how long since the cursor began (kernel time)"},
        {"waited", "how long it waited for locks other cursors held"},
        {"waiting on", "the node it waits for now, and who holds it"}};
    for (const auto& h : kHeads) ImGui::TableSetupColumn(h[0]);
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    for (int i = 0; i < 8; ++i) {
      if (!ImGui::TableSetColumnIndex(i)) continue;
      ImGui::TableHeader(kHeads[i][0]);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kHeads[i][1]);
    }
    for (const auto& c : cursors) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(static_cast<int>(c.id));
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const float sq = ImGui::GetTextLineHeight();
      ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + sq, p.y + sq), c.rgba);
      ImGui::Dummy(ImVec2(sq, sq));
      ImGui::SameLine();
      char label[32];
      if (c.number != 0)
        std::snprintf(label, sizeof label, "%u", c.number);
      else
        std::snprintf(label, sizeof label, "#%llu", static_cast<unsigned long long>(c.id));
      if (ImGui::Selectable(label, false, ImGuiSelectableFlags_SpanAllColumns)) {
        ui.asid = c.asid;
        ui.asid_chosen = true;
        ui.reveal_va = c.va_first;
      }
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("kernel cursor id %llu; click: its range in the tree",
                          static_cast<unsigned long long>(c.id));
      ImGui::PopID();
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("%u", c.cpu);
      ImGui::TableSetColumnIndex(2);
      ImGui::TextUnformatted(m.names().space(c.asid).c_str());
      ImGui::TableSetColumnIndex(3);
      ImGui::TextColored(ImColor(c.rgba), "%s-%s", va_text(c.va_first).c_str(),
                         va_text(c.va_last).c_str());
      ImGui::TableSetColumnIndex(4);
      std::string nodes;
      for (size_t i = 0; i < c.nodes_held.size() && i < 6; ++i)
        nodes += (i ? " " : "") + hex(c.nodes_held[i] << 12);
      if (c.nodes_held.size() > 6) nodes += " +" + std::to_string(c.nodes_held.size() - 6);
      ImGui::TextUnformatted(nodes.empty() ? "-" : nodes.c_str());
      ImGui::TableSetColumnIndex(5);
      ImGui::TextUnformatted(ms_text(c.held_ns).c_str());
      ImGui::TableSetColumnIndex(6);
      ImGui::TextUnformatted(ms_text(c.waited_ns).c_str());
      ImGui::TableSetColumnIndex(7);
      if (c.waiting_on) {
        std::string who =
            c.waiting_for_cursor ? " held by " + m.names().cursor(*c.waiting_for_cursor) : "";
        ImGui::TextColored(ImColor(kTextWarn), "--> node %s%s for %s",
                           hex(*c.waiting_on << 12).c_str(), who.c_str(),
                           ms_text(c.waiting_ns).c_str());
      } else {
        ImGui::TextDisabled("-");
      }
    }
    ImGui::EndTable();
  }
  ImGui::EndChild();
  ImGui::TextDisabled(
      "tree of %s: held nodes in the cursor's colour, the locked range as a bracket on the "
      "left",
      m.names().space(ui.asid).c_str());
  ImGui::BeginChild("lockstree");
  tree.draw(m, ui, true);
  ImGui::EndChild();
}

}  // namespace glass::inspector::app
