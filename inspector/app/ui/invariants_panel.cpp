// InvariantsPanel: see invariants_panel.h.
#include "inspector/app/ui/invariants_panel.h"

#include <imgui.h>

#include <algorithm>

#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"

namespace glass::inspector::app {

void InvariantsPanel::check(const StateModel& m, UiState& ui, bool shown) {
  const double now = ImGui::GetTime();
  if (checked_gen_ == ui.model_gen) return;
  // The list on screen is checked at once after a navigation; otherwise (only the tab title's
  // count, or live data streaming in) at most every kCheckSeconds: a whole-model check costs
  // ~10 ms on a 100,000-page model, and a replay swept frame by frame would pay it every
  // frame. A put-off check is drawn when due, even by an idle window.
  const bool now_needed = checked_gen_ == ~uint64_t{0} || (shown && ui.navigated);
  if (!now_needed && now - checked_at_ < kCheckSeconds) {
    ui.redraw_in_s = std::min(ui.redraw_in_s, checked_at_ + kCheckSeconds - now);
    return;
  }
  found_ = view::check_invariants(m);
  checked_gen_ = ui.model_gen;
  checked_at_ = now;
}

size_t InvariantsPanel::count(const StateModel& m, UiState& ui) {
  check(m, ui, false);
  return found_.size();
}

void InvariantsPanel::draw(const StateModel& m, UiState& ui) {
  check(m, ui, true);
  if (found_.empty()) {
    ImGui::TextColored(ImColor(kTextGood), "Every invariant holds.");
    ImGui::TextWrapped(
        "Checked on this state: no mapped frame is free, every page-table node lives in a "
        "page-table frame, no leaf is both writable and executable, every folio has at least as "
        "many references as mappings, every cursor's locks are on known nodes.");
    return;
  }
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
  ImGui::EndChild();
}

}  // namespace glass::inspector::app
