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
    for (const char* h :
         {"cursor", "cpu", "asid", "locked range", "nodes held", "held", "waited", "waiting on"})
      ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
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
      std::snprintf(label, sizeof label, "%llu", static_cast<unsigned long long>(c.id));
      if (ImGui::Selectable(label, false, ImGuiSelectableFlags_SpanAllColumns)) {
        ui.asid = c.asid;
        ui.asid_chosen = true;
        ui.reveal_va = c.va_first;
      }
      ImGui::PopID();
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("%u", c.cpu);
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%u", c.asid);
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
            c.waiting_for_cursor ? " held by cursor " + std::to_string(*c.waiting_for_cursor) : "";
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
      "tree of address space %u: held nodes in the cursor's colour, the locked "
      "range as a bracket on the left",
      ui.asid);
  ImGui::BeginChild("lockstree");
  tree.draw(m, ui, true);
  ImGui::EndChild();
}

}  // namespace glass::inspector::app
