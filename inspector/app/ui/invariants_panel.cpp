// InvariantsPanel: see invariants_panel.h.
#include "inspector/app/ui/invariants_panel.h"

#include <imgui.h>

#include <algorithm>

#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"

namespace glass::inspector::app {

void InvariantsPanel::check(const StateModel& m, UiState& ui, bool shown) {
  const double now = ImGui::GetTime();
  // The note below the list (leaves outside RAM) is computed only for the list: a check made for
  // the tab title's count alone leaves it out, and the list's first draw of that state adds it.
  const bool fresh = checked_gen_ == ui.model_gen;
  if (fresh && (!shown || listed_)) return;
  // The list on screen is checked at once after a navigation; otherwise (only the tab title's
  // count, or live data streaming in) at most every kCheckSeconds: a whole-model check costs
  // ~10 ms on a 100,000-page model, and a replay swept frame by frame would pay it every
  // frame. A put-off check is drawn when due, even by an idle window.
  const bool now_needed = checked_gen_ == ~uint64_t{0} || (shown && (ui.navigated || fresh));
  if (!now_needed && now - checked_at_ < kCheckSeconds) {
    ui.redraw_in_s = std::min(ui.redraw_in_s, checked_at_ + kCheckSeconds - now);
    return;
  }
  found_ = view::check_invariants(m);
  outside_ = shown ? view::leaves_outside_ram(m) : std::vector<view::OutsideRam>{};
  listed_ = shown;
  checked_gen_ = ui.model_gen;
  checked_at_ = now;
}

size_t InvariantsPanel::count(const StateModel& m, UiState& ui) {
  check(m, ui, false);
  return found_.size();
}

void InvariantsPanel::draw_outside_ram(const StateModel& m) {
  if (outside_.empty()) return;
  ImGui::Separator();
  ImGui::TextColored(ImColor(kTextWarn), "Note, not a violation: %zu leaf%s outside RAM",
                     outside_.size(), outside_.size() == 1 ? "" : "s");
  ImGui::TextWrapped(
      "These pages lie wholly beyond the %zu frames of RAM: no frame describes them, so the "
      "allocator can never hand them to anyone and no owner is wronged. Device memory is mapped "
      "this way. The lesson in demo=mm: its 1 GiB page at virtual 8 GiB maps physical 1 GiB, "
      "because a 1 GiB page must start on a 1 GiB boundary and a small guest has no such block "
      "of its own RAM (nothing ever reads it).",
      m.frames().size());
  for (const auto& o : outside_)
    ImGui::BulletText("%s in %s: a %s page at physical %s", va_text(o.va).c_str(),
                      m.names().space(o.asid).c_str(),
                      o.level == 3   ? "1 GiB"
                      : o.level == 2 ? "2 MiB"
                                     : "4 KiB",
                      hex(o.phys).c_str());
}

void InvariantsPanel::draw(const StateModel& m, UiState& ui) {
  check(m, ui, true);
  if (found_.empty()) {
    ImGui::TextColored(ImColor(kTextGood), "Every invariant holds.");
    ImGui::TextWrapped(
        "Checked on this state: no mapped frame is free, every page-table node lives in a "
        "page-table frame, no leaf is both writable and executable, every folio has at least as "
        "many references as mappings, no page runs past the end of RAM, every cursor's locks "
        "are on known nodes.");
    ui.facts += " invariants=0 outside_ram=" + std::to_string(outside_.size());
    draw_outside_ram(m);
    return;
  }
  ui.facts += " invariants=" + std::to_string(found_.size()) +
              " outside_ram=" + std::to_string(outside_.size());
  ImGui::TextColored(ImColor(kTextBad), "%zu violation%s", found_.size(),
                     found_.size() == 1 ? "" : "s");
  ImGui::Separator();
  ImGui::BeginChild("viol");
  for (size_t i = 0; i < found_.size(); ++i) {
    const auto& v = found_[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::TextColored(ImColor(kTextBad), "%s", view::violation_name(v.kind));
    ImGui::SameLine();
    if (v.kind != view::ViolationKind::kTruncated && ImGui::SmallButton("show in tree")) {
      ui.asid = v.asid;
      ui.asid_chosen = true;
      ui.reveal_va = v.va;
      ui.select_view = ViewId::kTree;
    }
    ImGui::PushStyleColor(ImGuiCol_Text, ImColor(kTextBad).Value);
    ImGui::TextWrapped("%s", v.text.c_str());
    ImGui::PopStyleColor();
    ImGui::PopID();
  }
  draw_outside_ram(m);
  ImGui::EndChild();
}

}  // namespace glass::inspector::app
