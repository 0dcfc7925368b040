// TreePanel: see tree_panel.h.
#include "inspector/app/ui/tree_panel.h"

#include <imgui.h>

#include <algorithm>

#include "inspector/app/address_input.h"
#include "inspector/app/ui/fit_text.h"
#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"
#include "inspector/view/entry_bits.h"
#include "inspector/view/legend_text.h"

namespace glass::inspector::app {

namespace {

uint32_t with_alpha(uint32_t rgba, uint8_t a) {
  return (rgba & 0x00FFFFFFu) | (uint32_t{a} << 24);
}

std::string cursor_name(const view::CursorRow& c) {
  return c.number != 0 ? "cursor " + std::to_string(c.number) : "cursor #" + std::to_string(c.id);
}

// The legend: the flags and the columns, one line each (view::legend_text.h).
void legend_popup() {
  if (!ImGui::BeginPopup("legend")) return;
  ImGui::TextColored(ImColor(kTextGood), "Columns");
  for (const auto& c : view::tree_columns()) ImGui::BulletText("%s: %s", c.column, c.meaning);
  ImGui::TextColored(ImColor(kTextGood), "Levels");
  for (const auto& l : view::level_names()) ImGui::BulletText("%s: %s", l.column, l.meaning);
  ImGui::TextColored(ImColor(kTextGood), "Flags");
  for (const auto& f : view::flag_meanings()) ImGui::BulletText("%s: %s", f.flag, f.meaning);
  ImGui::EndPopup();
}

}  // namespace

void TreePanel::found(uint32_t asid, uint64_t va, std::optional<size_t> row) {
  last_found_ = "va=" + hex(va) + " found=" + (row ? "yes" : "no");
  if (row) {
    highlight_ = row;
    scroll_to_ = row;
    const auto& r = app_->tree.rows().rows()[*row];
    search_message_ = va_text(va) + ": " + (r.leaf ? "mapped by this " : "deepest entry: ") +
                      view::table_abbrev(r.level) + " entry " + std::to_string(r.index);
  } else {
    highlight_.reset();
    search_message_ = va_text(va) + " is not mapped in " + app_->model().names().space(asid);
  }
}

void TreePanel::search(const StateModel& m, UiState& ui, uint64_t va) {
  found(ui.asid, va, app_->tree.reveal(m, ui.asid, va, ui.model_gen, ImGui::GetTime()));
}

void TreePanel::rows_for_frame(UiState& ui) {
  const auto revealed = app_->tree_for_frame(ImGui::GetTime());
  // A highlight is a row of one address space's tree (whoever changed the space, and when).
  if (ui.asid != highlight_asid_) highlight_.reset();
  highlight_asid_ = ui.asid;
  // Another view asked (a cursor or an invariant clicked): as if searched here.
  if (revealed) found(ui.asid, revealed->va, revealed->row);
}

void TreePanel::draw(const StateModel& m, UiState& ui, bool compact) {
  rows_for_frame(ui);
  view::TreeRows& tree_rows = app_->tree.rows();
  const auto cursors = view::cursor_rows(m);
  if (compact) {
    ImGui::TextDisabled("%s: %zu entries", m.names().space(ui.asid).c_str(),
                        tree_rows.total_rows());
    ImGui::SameLine();
    if (ImGui::SmallButton("Legend")) ImGui::OpenPopup("legend");
    legend_popup();
    if (!search_message_.empty()) ImGui::TextWrapped("%s", search_message_.c_str());
    draw_rows(m, ui, cursors, true);
    return;
  }
  if (!ImGui::BeginTabBar("treetabs")) return;
  if (ImGui::BeginTabItem("Entries")) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    const bool enter =
        ImGui::InputTextWithHint("##va", "virtual address (hex)", search_text_, sizeof search_text_,
                                 ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if (ImGui::Button("Find") || enter) {
      uint64_t va = 0;
      if (read_address(search_text_, va, search_message_)) search(m, ui, va);
    }
    ImGui::SameLine();
    if (ImGui::Button("Expand all")) tree_rows.expand_all();
    ImGui::SameLine();
    if (ImGui::Button("Collapse all")) tree_rows.collapse_all();
    ImGui::SameLine();
    ImGui::TextDisabled("%zu of %zu entries shown%s", tree_rows.rows().size(),
                        tree_rows.total_rows(), tree_rows.capped() ? " (capped)" : "");
    ImGui::SameLine();
    if (ImGui::SmallButton("Legend")) ImGui::OpenPopup("legend");
    legend_popup();
    if (!search_message_.empty()) ImGui::TextUnformatted(search_message_.c_str());
    draw_rows(m, ui, cursors, false);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem("Merged ranges")) {
    draw_merged(m, ui);
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
}

void TreePanel::draw_rows(const StateModel& m, UiState& ui,
                          const std::vector<view::CursorRow>& cursors, bool compact) {
  view::TreeRows& tree_rows = app_->tree.rows();
  const auto& rows = tree_rows.rows();
  if (rows.empty()) {
    ImGui::TextDisabled(m.address_spaces().count(ui.asid) != 0
                            ? "%s has no present entries yet"
                            : "no address space %s in this state",
                        m.names().space(ui.asid).c_str());
    return;
  }
  // No alternating row background: highlighted rows carry the meaning, and under a software
  // renderer every full-width fill costs frame time.
  // Columns stretch in proportion (widths as weights), so a narrow window or --scale 2 shrinks
  // them together; a text that no longer fits is cut with an ellipsis and shown whole on hover.
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (!ImGui::BeginTable("rows", 6, flags,
                         ImVec2(std::max(avail.x, 1.0f), std::max(avail.y, 1.0f))))
    return;
  const float fs = ImGui::GetFontSize();
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("lk", ImGuiTableColumnFlags_WidthFixed, fs * 0.9f);
  ImGui::TableSetupColumn("entry", ImGuiTableColumnFlags_WidthStretch, 9.5f);
  // Compact (beside another view): the range's first address only, and no target column.
  ImGui::TableSetupColumn(compact ? "virtual address" : "virtual range",
                          ImGuiTableColumnFlags_WidthStretch, compact ? 11.0f : 22.0f);
  ImGui::TableSetupColumn("flags", ImGuiTableColumnFlags_WidthStretch, compact ? 6.0f : 9.0f);
  ImGui::TableSetupColumn(
      "target",
      ImGuiTableColumnFlags_WidthStretch | (compact ? ImGuiTableColumnFlags_DefaultHide : 0), 7.5f);
  ImGui::TableSetupColumn("children / holder", ImGuiTableColumnFlags_WidthStretch, 10.0f);
  // Headers drawn one by one so each carries its tooltip (view::tree_columns()).
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c < 6; ++c) {
    if (!ImGui::TableSetColumnIndex(c)) continue;
    ImGui::TableHeader(ImGui::TableGetColumnName(c));
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s", view::tree_columns()[static_cast<size_t>(c)].meaning);
  }

  const float row_h = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2;
  if (scroll_to_) {
    ImGui::SetScrollY(std::max(0.0f, (static_cast<float>(*scroll_to_) - 6) * row_h));
    scroll_to_.reset();
  }
  std::optional<size_t> toggle;
  ImGuiListClipper clip;
  clip.Begin(static_cast<int>(rows.size()), row_h);
  while (clip.Step()) {
    for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
      const view::TreeRow& r = rows[static_cast<size_t>(i)];
      ImGui::TableNextRow(ImGuiTableRowFlags_None, row_h);
      const uint64_t target_pfn = r.target_phys >> 12;
      // Overlays: walk step > held node > the search hit.
      uint32_t bg = 0;
      std::string note;
      if (auto w = ui.walk_rows.find({r.node_pfn, r.index}); w != ui.walk_rows.end()) {
        bg = with_alpha(kIndexRgba[std::clamp(w->second, 0, 3)], 0x90);
        note = "walk step " + std::to_string(w->second + 1);
      }
      const view::CursorRow* holder = nullptr;
      for (const auto& c : cursors) {
        if (!r.leaf &&
            std::find(c.nodes_held.begin(), c.nodes_held.end(), target_pfn) != c.nodes_held.end()) {
          holder = &c;
          if (bg == 0) bg = with_alpha(c.rgba, 0x80);
          note = "locked by " + cursor_name(c);
        }
        // An entry inside a locked table (the root's entries when a cursor holds the PML4).
        if (holder == nullptr &&
            std::find(c.nodes_held.begin(), c.nodes_held.end(), r.node_pfn) != c.nodes_held.end()) {
          if (bg == 0) bg = with_alpha(c.rgba, 0x48);
          if (note.empty()) note = "in a table locked by " + cursor_name(c);
        }
        if (!r.leaf && c.waiting_on == target_pfn)
          note += (note.empty() ? "" : "; ") + std::string("<-- ") + cursor_name(c) +
                  " waits for this node";
      }
      if (bg == 0 && highlight_ == static_cast<size_t>(i)) bg = kHighlightRow;
      if (bg != 0) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, bg);

      // Gutter: the bracket of every cursor whose locked range crosses this row.
      ImGui::TableSetColumnIndex(0);
      {
        ImDrawList* dl = ImGui::GetWindowDrawList();
        const ImVec2 p = ImGui::GetCursorScreenPos();
        float x = p.x;
        for (const auto& c : cursors) {
          if (c.asid != ui.asid || c.va_last < r.va_first || c.va_first > r.va_last) continue;
          const float top = p.y - ImGui::GetStyle().CellPadding.y;
          const float bot = top + row_h;
          dl->AddRectFilled(ImVec2(x, top), ImVec2(x + 3, bot), c.rgba);
          if (c.va_first >= r.va_first && c.va_first <= r.va_last)
            dl->AddRectFilled(ImVec2(x, top), ImVec2(x + fs * 0.6f, top + 3), c.rgba);
          if (c.va_last >= r.va_first && c.va_last <= r.va_last)
            dl->AddRectFilled(ImVec2(x, bot - 3), ImVec2(x + fs * 0.6f, bot), c.rgba);
          x += 5;
        }
      }
      ImGui::TableSetColumnIndex(1);
      ImGui::PushID(i);
      ImGui::SetCursorPosX(ImGui::GetCursorPosX() + view::tree_indent(r.depth, fs));
      char label[48];
      std::snprintf(label, sizeof label, "%s %s[%u]", r.leaf ? " " : (r.expanded ? "-" : "+"),
                    view::table_abbrev(r.level), r.index);
      if (ImGui::Selectable(label, false, ImGuiSelectableFlags_SpanAllColumns) && !r.leaf)
        toggle = static_cast<size_t>(i);
      ImGui::PopID();
      ImGui::TableSetColumnIndex(2);
      if (compact)
        fit_text(va_text(r.va_first).c_str());
      else
        fit_text((va_text(r.va_first) + "-" + va_text(r.va_last)).c_str());
      ImGui::TableSetColumnIndex(3);
      // The flags' own tooltip explains each one (and shows them whole when cut).
      fit_text(view::flags_text(r.entry, r.level).c_str());
      if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::Text("%s entry %u: %s", view::table_abbrev(r.level), r.index,
                    view::flags_text(r.entry, r.level).c_str());
        for (const auto& line : view::flags_explained(r.entry, r.level))
          ImGui::TextUnformatted(line.c_str());
        ImGui::EndTooltip();
      }
      ImGui::TableSetColumnIndex(4);
      fit_text(hex(r.target_phys).c_str());
      ImGui::TableSetColumnIndex(5);
      if (!note.empty()) {
        fit_text(note.c_str());
      } else if (r.leaf) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
        fit_text((std::string(view::page_size_text(r.level)) + " page").c_str());
        ImGui::PopStyleColor();
      } else {
        fit_text((std::to_string(r.children) + " present").c_str());
      }
    }
  }
  ImGui::EndTable();
  if (toggle) {
    tree_rows.toggle(*toggle);
    highlight_.reset();
  }
}

void TreePanel::draw_merged(const StateModel& m, UiState& ui) {
  if (merged_gen_ != ui.model_gen || merged_asid_ != ui.asid) {
    merged_ = view::merged_ranges(m, ui.asid);
    merged_gen_ = ui.model_gen;
    merged_asid_ = ui.asid;
  }
  ImGui::TextDisabled("%zu ranges in %s (contiguous, same rights: like QEMU's info mem)",
                      merged_.size(), m.names().space(ui.asid).c_str());
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (!ImGui::BeginTable(
          "merged", 4,
          ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV,
          ImVec2(std::max(avail.x, 1.0f), std::max(avail.y, 1.0f))))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const auto& c : view::merged_columns()) ImGui::TableSetupColumn(c.column);
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c < 4; ++c) {
    if (!ImGui::TableSetColumnIndex(c)) continue;
    ImGui::TableHeader(view::merged_columns()[static_cast<size_t>(c)].column);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s", view::merged_columns()[static_cast<size_t>(c)].meaning);
  }
  ImGuiListClipper clip;
  clip.Begin(static_cast<int>(merged_.size()));
  while (clip.Step()) {
    for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
      const auto& r = merged_[static_cast<size_t>(i)];
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextUnformatted(va_text(r.va_first).c_str());
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(va_text(r.va_last).c_str());
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%llu", static_cast<unsigned long long>(r.pages_4k));
      ImGui::TableSetColumnIndex(3);
      ImGui::TextUnformatted(r.flags.c_str());
    }
  }
  ImGui::EndTable();
}

}  // namespace glass::inspector::app
