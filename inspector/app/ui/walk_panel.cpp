// WalkPanel: see walk_panel.h.
#include "inspector/app/ui/walk_panel.h"

#include <imgui.h>

#include <algorithm>

#include "inspector/app/ui/fit_text.h"
#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"
#include "inspector/view/entry_bits.h"
#include "inspector/view/palette.h"
#include "inspector/view/walk_steps.h"

namespace glass::inspector::app {

namespace {

// The address as binary digit groups: sign extension, the indices used, the offset.
void draw_bits(const view::VaSplit& s, uint64_t va) {
  const float digit = ImGui::CalcTextSize("0").x;
  ImGui::TextDisabled("bits 63..48 (sign)");
  same_line_if_fits(digit * 4);
  ImGui::TextDisabled("%04llx", static_cast<unsigned long long>(va >> 48));
  for (int i = 0; i < s.index_count; ++i) {
    same_line_if_fits(digit * 9);
    char bits[10];
    for (int b = 0; b < 9; ++b) bits[b] = ((s.index[i] >> (8 - b)) & 1) ? '1' : '0';
    bits[9] = '\0';
    ImGui::TextColored(ImColor(kIndexRgba[i]), "%s", bits);
  }
  same_line_if_fits(digit * 14);
  ImGui::TextColored(ImColor(kIndexRgba[4]), "+%u-bit offset", s.offset_bits);
  for (int i = 0; i < s.index_count; ++i) {
    if (i) same_line_if_fits(digit * 15);
    ImGui::TextColored(ImColor(kIndexRgba[i]), "%s index %u",
                       view::table_abbrev(static_cast<uint8_t>(4 - i)), s.index[i]);
  }
  same_line_if_fits(digit * 18);
  ImGui::TextColored(ImColor(kIndexRgba[4]), "offset 0x%x", s.offset);
}

}  // namespace

void WalkPanel::set_address(uint64_t va, bool reveal_all) {
  stepper_.set_address(va, reveal_all);
  std::snprintf(input_, sizeof input_, "0x%llx", static_cast<unsigned long long>(va));
  reveal_pending_ = true;
  requested_ = false;
}

void WalkPanel::draw(const StateModel& m, UiState& ui, TreePanel& tree, const SendWalk& send_walk) {
  const float fs = ImGui::GetFontSize();
  ImGui::BeginChild("walkleft",
                    ImVec2(std::max(ImGui::GetContentRegionAvail().x * 0.58f, 1.0f), 0));
  ImGui::SetNextItemWidth(fs * 14);
  const bool enter = ImGui::InputTextWithHint("##walkva", "virtual address (hex)", input_,
                                              sizeof input_, ImGuiInputTextFlags_EnterReturnsTrue);
  {
    const ImVec2 lo = ImGui::GetItemRectMin(), hi = ImGui::GetItemRectMax();
    ui.layout["walk:input"] = std::to_string(static_cast<int>((lo.x + hi.x) / 2)) + "," +
                              std::to_string(static_cast<int>((lo.y + hi.y) / 2));
  }
  ImGui::SameLine();
  if (ImGui::Button("Walk") || enter) {
    if (stepper_.submit(input_)) {
      reveal_pending_ = true;
      requested_ = false;
      message_.clear();
    } else {
      message_ = stepper_.message();
    }
  }
  same_line_if_fits(ImGui::CalcTextSize("Next step (N)").x + fs);
  // ImGui 1.86 indexes keys by the backend's codes: GLFW's for N is 'N'.
  if (ImGui::Button("Next step (N)") || (!ImGui::GetIO().WantTextInput && ImGui::IsKeyPressed('N')))
    stepper_.next();
  same_line_if_fits(ImGui::CalcTextSize("Show all").x + fs);
  if (ImGui::Button("Show all")) stepper_.show_all();
  same_line_if_fits(ImGui::CalcTextSize(m.names().space(ui.asid).c_str()).x);
  ImGui::TextDisabled("%s", m.names().space(ui.asid).c_str());
  if (!message_.empty()) ImGui::TextColored(ImColor(kTextWarn), "%s", message_.c_str());
  if (!stepper_.va()) {
    ImGui::TextWrapped(
        "Type a virtual address and press Walk; then Next step (or N) reveals one "
        "level at a time.");
    ui.walk_rows.clear();
    ImGui::EndChild();
    return;
  }
  if (reveal_pending_) {
    ui.reveal_va = *stepper_.va();  // expand the tree along the walk so its rows can be highlighted
    reveal_pending_ = false;
  }
  const uint64_t va = *stepper_.va();
  if (asid_ != ui.asid) {
    asid_ = ui.asid;
    requested_ = false;
    stepper_.restart();
  }
  // Live: ask the kernel once per (asid, va); show its answer when it comes, the model's meanwhile.
  const WalkAnswer model_walk = m.walk_address(ui.asid, va);
  WalkAnswer answer = model_walk;
  std::string source = "model";
  outcome_ = Outcome{};
  if (send_walk) {
    if (!requested_) {
      std::string err;
      requested_ = send_walk(++token_, ui.asid, va, err);
      message_ = requested_ ? "" : "WALK not sent: " + err;
    }
    const auto& k = m.last_walk();
    if (requested_ && k && k->token == token_ && k->asid == ui.asid && k->va == va) {
      answer = *k;
      source = "kernel WALK answer";
      outcome_.kernel = true;
    } else {
      source = "model (waiting for the kernel's answer)";
    }
  }
  outcome_.drawn = true;
  outcome_.status = answer.status;
  outcome_.levels = answer.levels.size();
  outcome_.matches_model = same_walk(answer, model_walk);
  const view::WalkView w = view::walk_view(m, answer, source);
  const size_t shown = stepper_.fit(w.steps.size());

  ImGui::Text("%s in %s", va_text(va).c_str(), m.names().space(w.asid).c_str());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("address space id %u", w.asid);
  ImGui::SameLine();
  ImGui::TextDisabled("(%s)", w.source.c_str());
  draw_bits(w.split, va);
  ImGui::Separator();
  ui.walk_rows.clear();
  int level_step = 0;
  for (size_t i = 0; i < w.steps.size() && i < shown; ++i) {
    const view::WalkStep& s = w.steps[i];
    const bool cr3 = s.level > 4;
    const uint32_t col = cr3 ? 0xFFFFFFFFu : kIndexRgba[std::clamp(level_step, 0, 3)];
    ImGui::TextColored(ImColor(col), "%-6s", s.name);
    ImGui::SameLine();
    if (cr3) {
      ImGui::Text("root table at %s", hex(s.entry).c_str());
    } else {
      // Wrapped, not clipped: at --scale 2 the flags would fall off the right edge.
      ImGui::TextWrapped("table %s [%u] = %s  %s", hex(s.table_phys).c_str(), s.index,
                         hex(s.entry).c_str(), s.flags.c_str());
      ui.walk_rows[{s.table_phys >> 12, s.index}] = level_step;
      ++level_step;
    }
    ImGui::Indent(fs * 3);
    ImGui::TextWrapped("%s", s.explanation.c_str());
    ImGui::Unindent(fs * 3);
  }
  ui.facts += " walk_levels=" + std::to_string(level_step) +
              " walk_shown=" + std::to_string(shown) + "/" + std::to_string(w.steps.size() + 1);
  status_text_ = "va=" + hex(va) + " shown=" + std::to_string(shown) + "/" +
                 std::to_string(w.steps.size() + 1);
  if (stepper_.result_shown(w.steps.size()))
    status_text_ += w.final_phys ? " phys=" + hex(*w.final_phys) : " result=none";
  if (stepper_.result_shown(w.steps.size())) {
    ImGui::Separator();
    ImGui::TextWrapped("%s", w.summary.c_str());
    if (w.final_phys) {
      ImGui::TextColored(ImColor(kTextGood), "physical address %s", hex(*w.final_phys).c_str());
      if (w.final_frame && w.final_frame->known) {
        ImGui::TextWrapped(
            "frame %llu, %s, owner %s", static_cast<unsigned long long>(w.final_frame->pfn),
            view::kind_name(w.final_frame->kind), m.names().owner(w.final_frame->owner).c_str());
      } else {
        ImGui::SameLine();
        ImGui::TextDisabled("outside RAM: no frame there");
      }
    }
  } else {
    ImGui::TextDisabled("%zu of %zu steps shown: Next step (N)", shown, w.steps.size() + 1);
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("walktree");
  tree.draw(m, ui, true);
  ImGui::EndChild();
}

}  // namespace glass::inspector::app
