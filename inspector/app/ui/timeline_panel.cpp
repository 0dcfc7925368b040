// TimelinePanel: see timeline_panel.h.
#include "inspector/app/ui/timeline_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cstdlib>

#include "inspector/app/address_input.h"
#include "inspector/app/ui/format.h"
#include "inspector/app/ui/theme.h"
#include "inspector/view/event_names.h"
#include "inspector/view/timeline_search.h"

namespace glass::inspector::app {

namespace {

struct JumpKind {
  const char* name;
  telemetry::MsgType type;
};
constexpr JumpKind kJumps[] = {
    {"cursor begins", telemetry::MsgType::kCursorBegin},
    {"lock acquired", telemetry::MsgType::kLockAcquired},
    {"node created", telemetry::MsgType::kNodeCreated},
    {"entries changed", telemetry::MsgType::kEntries},
    {"frames changed", telemetry::MsgType::kFrameRun},
    {"CR3 switch", telemetry::MsgType::kCr3Switch},
    {"snapshot end", telemetry::MsgType::kSnapshotEnd},
    {"digest", telemetry::MsgType::kDigest},
    {"log line", telemetry::MsgType::kLog},
    {"panic", telemetry::MsgType::kPanic},
};

}  // namespace

void TimelinePanel::draw_strip(ReplaySource& src, AppState& app) {
  const size_t n = src.event_count();
  if (n == 0) {
    ImGui::TextDisabled("the trace holds no events");
    return;
  }
  // Every click is a request: it takes effect at the top of the next frame, so the views still
  // to be drawn in this one draw the same state as those drawn already.
  if (ImGui::Button(src.playing() ? "Pause" : "Play"))
    app.request(NavRequest::play(!src.playing()));
  ImGui::SameLine();
  if (ImGui::ArrowButton("back", ImGuiDir_Left)) app.request(NavRequest::step(-1));
  ImGui::SameLine();
  if (ImGui::ArrowButton("fwd", ImGuiDir_Right)) app.request(NavRequest::step(1));
  ImGui::SameLine();
  float rate = static_cast<float>(src.rate());
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  if (ImGui::SliderFloat("##rate", &rate, 1, 100000, "%.0f ev/s", ImGuiSliderFlags_Logarithmic))
    app.request(NavRequest::set_rate(rate));
  ImGui::SameLine();
  uint64_t pos = src.position();
  const uint64_t lo = 0, hi = n - 1;
  ImGui::SetNextItemWidth(std::max(ImGui::GetContentRegionAvail().x, 1.0f));
  if (ImGui::SliderScalar("##scrub", ImGuiDataType_U64, &pos, &lo, &hi, "event %llu"))
    app.request(NavRequest::seek(static_cast<size_t>(pos)));
}

void TimelinePanel::draw_search(ReplaySource& src, AppState& app) {
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  ImGui::InputTextWithHint("##find", "address (hex) or frame number", find_text_,
                           sizeof find_text_);
  ImGui::SameLine();
  const bool mapped = ImGui::Button("When mapped?");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("the next event after this one at which the address becomes mapped");
  ImGui::SameLine();
  ImGui::Checkbox("any space", &any_space_);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("search every address space, not only the one shown");
  ImGui::SameLine();
  const bool owner = ImGui::Button("When did the frame change owner?");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("the next event after this one that changes the frame's kind or owner");
  const size_t from = src.position();
  const StateModel& m = src.state();  // the state shown: search replays from here
  if (mapped) {
    uint64_t va = 0;
    if (!read_address(find_text_, va, find_message_)) return;
    const std::optional<uint32_t> asid =
        any_space_ ? std::nullopt : std::optional<uint32_t>(app.ui.asid);
    if (auto hit = view::find_next_mapped(src.timeline(), from, asid, va)) {
      app.request(NavRequest::seek(hit->event));
      app.ui.asid = hit->asid;
      app.ui.asid_chosen = true;
      app.ui.reveal_va = va;
      find_message_ = va_text(va) + " gets mapped at event " + std::to_string(hit->event);
    } else {
      find_message_ = va_text(va) + " is not newly mapped after event " + std::to_string(from) +
                      (asid ? " in " + m.names().space(*asid) : "") +
                      " (Home goes back to the start)";
    }
  }
  if (owner) {
    char* end = nullptr;
    const unsigned long long pfn = std::strtoull(find_text_, &end, 10);
    if (find_text_[0] < '0' || find_text_[0] > '9' || end == find_text_ || *end != '\0') {
      find_message_ = std::string("'") + find_text_ + "' is not a frame number (decimal)";
    } else if (auto hit = view::find_next_owner_change(src.timeline(), from, pfn)) {
      app.request(NavRequest::seek(hit->event));
      find_message_ =
          "frame " + std::to_string(pfn) + " changes owner at event " + std::to_string(hit->event);
    } else {
      find_message_ = "frame " + std::to_string(pfn) + " does not change owner after event " +
                      std::to_string(from) + " (Home goes back to the start)";
    }
  }
}

void TimelinePanel::draw(ReplaySource& src, AppState& app) {
  ImGui::TextWrapped("%s", src.message().c_str());
  const size_t n = src.event_count();
  if (n == 0) return;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
  if (ImGui::BeginCombo("##jumpkind", kJumps[jump_kind_].name)) {
    for (int i = 0; i < static_cast<int>(std::size(kJumps)); ++i)
      if (ImGui::Selectable(kJumps[i].name, i == jump_kind_)) jump_kind_ = i;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::Button("Jump to next")) app.request(NavRequest::jump_next(kJumps[jump_kind_].type));
  ImGui::SameLine();
  ImGui::Text("event %zu of %zu, t = %.6f s", src.position(), n,
              static_cast<double>(src.timeline().event_t_ns(src.position())) / 1e9);
  draw_search(src, app);
  if (!find_message_.empty()) ImGui::TextWrapped("%s", find_message_.c_str());
  ImGui::Separator();
  ImGui::BeginChild("events");
  const float row_h = ImGui::GetTextLineHeightWithSpacing();
  if (listed_pos_ != src.position()) {
    const float y = static_cast<float>(src.position()) * row_h;
    if (y < ImGui::GetScrollY() || y > ImGui::GetScrollY() + ImGui::GetWindowHeight() - row_h * 2)
      ImGui::SetScrollY(std::max(0.0f, y - ImGui::GetWindowHeight() / 2));
    listed_pos_ = src.position();
  }
  const StateModel& shown = src.state();
  ImGuiListClipper clip;
  clip.Begin(static_cast<int>(n), row_h);
  while (clip.Step()) {
    for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
      const size_t idx = static_cast<size_t>(i);
      const bool gap = src.timeline().item(idx).kind == StreamItem::Kind::kGap;
      char label[32];
      std::snprintf(label, sizeof label, "%8zu##ev", idx);
      ImGui::PushID(i);
      if (ImGui::Selectable(label, idx == src.position(), ImGuiSelectableFlags_SpanAllColumns)) {
        app.request(NavRequest::seek(idx));
      }
      ImGui::PopID();
      ImGui::SameLine();
      const std::string text = src.timeline().event_text(idx);
      if (gap)
        ImGui::TextColored(ImColor(kTextWarn), "%s", text.c_str());
      else
        ImGui::TextUnformatted(text.c_str());
      // The small names of what the wire numbers (as of the event shown: names are per boot).
      const std::string names = view::event_names(src.timeline().item(idx), shown.names());
      if (!names.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("(%s)", names.c_str());
      }
    }
  }
  ImGui::EndChild();
}

}  // namespace glass::inspector::app
