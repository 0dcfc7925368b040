// WalkPanel: see walk_panel.h.
#include "inspector/app/ui/walk_panel.h"

#include <imgui.h>

#include <algorithm>

#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"
#include "inspector/view/entry_bits.h"
#include "inspector/view/palette.h"
#include "inspector/view/walk_steps.h"

namespace glass::inspector::app {

namespace {

// The address as binary digit groups: sign extension, the indices used, the offset.
void draw_bits(const view::VaSplit& s, uint64_t va) {
  ImGui::TextDisabled("bits 63..48 (sign)");
  ImGui::SameLine();
  ImGui::TextDisabled("%04llx", static_cast<unsigned long long>(va >> 48));
  for (int i = 0; i < s.index_count; ++i) {
    ImGui::SameLine();
    char bits[10];
    for (int b = 0; b < 9; ++b) bits[b] = ((s.index[i] >> (8 - b)) & 1) ? '1' : '0';
    bits[9] = '\0';
    ImGui::TextColored(ImColor(kIndexRgba[i]), "%s", bits);
  }
  ImGui::SameLine();
  ImGui::TextColored(ImColor(kIndexRgba[4]), "+%u-bit offset", s.offset_bits);
  for (int i = 0; i < s.index_count; ++i) {
    if (i) ImGui::SameLine();
    ImGui::TextColored(ImColor(kIndexRgba[i]), "%s index %u",
                       view::table_abbrev(static_cast<uint8_t>(4 - i)), s.index[i]);
  }
  ImGui::SameLine();
  ImGui::TextColored(ImColor(kIndexRgba[4]), "offset 0x%x", s.offset);
}

}  // namespace

void WalkPanel::set_address(uint64_t va, bool reveal_all) {
  va_ = va;
  std::snprintf(input_, sizeof input_, "0x%llx", static_cast<unsigned long long>(va));
  reveal_all_ = reveal_all;
  reveal_pending_ = true;
  shown_ = 0;
  requested_ = false;
}

void WalkPanel::draw(const StateModel& m, UiState& ui, TreePanel& tree, const SendWalk& send_walk) {
  const float fs = ImGui::GetFontSize();
  ImGui::BeginChild("walkleft",
                    ImVec2(std::max(ImGui::GetContentRegionAvail().x * 0.58f, 1.0f), 0));
  ImGui::SetNextItemWidth(fs * 14);
  const bool enter = ImGui::InputTextWithHint("##walkva", "virtual address (hex)", input_,
                                              sizeof input_, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (ImGui::Button("Walk") || enter) {
    uint64_t va = 0;
    if (parse_address(input_, va)) {
      set_address(va, false);
      message_.clear();
    } else {
      message_ = std::string("'") + input_ + "' is not a hex address";
    }
  }
  ImGui::SameLine();
  // ImGui 1.86 indexes keys by the backend's codes: GLFW's for N is 'N'.
  const bool next =
      ImGui::Button("Next step (N)") || (!ImGui::GetIO().WantTextInput && ImGui::IsKeyPressed('N'));
  ImGui::SameLine();
  if (ImGui::Button("Show all")) shown_ = 5;
  ImGui::SameLine();
  ImGui::TextDisabled("address space %u", ui.asid);
  if (!message_.empty()) ImGui::TextColored(ImColor(kTextWarn), "%s", message_.c_str());
  if (!va_) {
    ImGui::TextWrapped(
        "Type a virtual address and press Walk; then Next step (or N) reveals one "
        "level at a time.");
    ui.walk_rows.clear();
    ImGui::EndChild();
    return;
  }
  if (reveal_pending_) {
    ui.reveal_va = *va_;  // expand the tree along the walk so its rows can be highlighted
    reveal_pending_ = false;
  }
  if (asid_ != ui.asid) {
    asid_ = ui.asid;
    requested_ = false;
    shown_ = 0;
  }
  // Live: ask the kernel once per (asid, va); show its answer when it comes, the model's meanwhile.
  const WalkAnswer model_walk = m.walk_address(ui.asid, *va_);
  WalkAnswer answer = model_walk;
  std::string source = "model";
  outcome_ = Outcome{};
  if (send_walk) {
    if (!requested_) {
      std::string err;
      requested_ = send_walk(++token_, ui.asid, *va_, err);
      message_ = requested_ ? "" : "WALK not sent: " + err;
    }
    const auto& k = m.last_walk();
    if (requested_ && k && k->token == token_ && k->asid == ui.asid && k->va == *va_) {
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
  if (reveal_all_) shown_ = static_cast<int>(w.steps.size()) + 1;
  if (next) shown_ = std::min(shown_ + 1, static_cast<int>(w.steps.size()) + 1);

  ImGui::Text("%s in address space %u", va_text(*va_).c_str(), w.asid);
  ImGui::SameLine();
  ImGui::TextDisabled("(%s)", w.source.c_str());
  draw_bits(w.split, *va_);
  ImGui::Separator();
  ui.walk_rows.clear();
  int level_step = 0;
  for (size_t i = 0; i < w.steps.size() && static_cast<int>(i) < shown_; ++i) {
    const view::WalkStep& s = w.steps[i];
    const bool cr3 = s.level > 4;
    const uint32_t col = cr3 ? 0xFFFFFFFFu : kIndexRgba[std::clamp(level_step, 0, 3)];
    ImGui::TextColored(ImColor(col), "%-6s", s.name);
    ImGui::SameLine();
    if (cr3) {
      ImGui::Text("root table at %s", hex(s.entry).c_str());
    } else {
      ImGui::Text("table %s [%u] = %s  %s", hex(s.table_phys).c_str(), s.index,
                  hex(s.entry).c_str(), s.flags.c_str());
      ui.walk_rows[{s.table_phys >> 12, s.index}] = level_step;
      ++level_step;
    }
    ImGui::Indent(fs * 3);
    ImGui::TextWrapped("%s", s.explanation.c_str());
    ImGui::Unindent(fs * 3);
  }
  ui.facts += " walk_levels=" + std::to_string(level_step);
  if (shown_ > static_cast<int>(w.steps.size())) {
    ImGui::Separator();
    ImGui::TextWrapped("%s", w.summary.c_str());
    if (w.final_phys) {
      ImGui::TextColored(ImColor(kTextGood), "physical address %s", hex(*w.final_phys).c_str());
      if (w.final_frame) {
        ImGui::SameLine();
        ImGui::Text("frame %llu", static_cast<unsigned long long>(w.final_frame->pfn));
        ImGui::SameLine();
        ImGui::TextColored(ImColor(view::kind_rgba(w.final_frame->kind)), "%s",
                           view::kind_name(w.final_frame->kind));
        ImGui::SameLine();
        ImGui::Text("owner %u", w.final_frame->owner);
      }
    }
  } else {
    ImGui::TextDisabled("%d of %zu steps shown: Next step (N)", shown_, w.steps.size());
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("walktree");
  tree.draw(m, ui, true);
  ImGui::EndChild();
}

}  // namespace glass::inspector::app
