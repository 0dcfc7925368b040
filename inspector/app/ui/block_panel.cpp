// The "Block requests" tab; see block_panel.h.
#include "inspector/app/ui/block_panel.h"

#include <imgui.h>

#include <iterator>
#include <string>

namespace glass::inspector::app {
namespace {
constexpr BlockRequest::State kStates[] = {
    BlockRequest::State::kTagged, BlockRequest::State::kInFlight, BlockRequest::State::kDeviceDone,
    BlockRequest::State::kTimedOut, BlockRequest::State::kEnded};

std::string outcome(uint32_t status) {
  return status == 0 ? "ok" : "error " + std::to_string(status - 1);
}

void table(const char* id, const char* last_header, auto&& rows) {
  constexpr ImGuiTableFlags kFlags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable(id, 7, kFlags)) return;
  for (const char* h : {"disk", "tag", "op", "sectors @ sector", "state", last_header, "buffer"}) {
    ImGui::TableSetupColumn(h);
  }
  ImGui::TableHeadersRow();
  rows();
  ImGui::EndTable();
}

// One step of the timeline: its name and the time since the dispatch, if it happened.
void step(const char* name, uint64_t t, uint64_t t0) {
  if (t == 0) return;
  ImGui::SameLine();
  ImGui::TextUnformatted("->");
  ImGui::SameLine();
  ImGui::Text("%s +%.1f us", name, static_cast<double>(t - t0) / 1000.0);
}
}  // namespace

void BlockPanel::draw(const StateModel& m) {
  const BlockRequests& b = m.block_requests();
  ImGui::Text("%zu requests in flight, %llu ended", b.in_flight().size(),
              static_cast<unsigned long long>(b.ended_total()));
  ImGui::TextDisabled(
      "refcount: 0 the block layer owns it; 2 the driver's reference + the in-flight count; "
      "end_ok succeeds only from 2 (docs/block.md)");
  if (b.in_flight().empty() && b.ended().empty()) {
    ImGui::TextWrapped(
        "No block requests in this state. Run demo=block (./glass run --cmdline \"demo=block\") "
        "to watch one's refcount.");
    return;
  }
  ImGui::SetNextItemWidth(160);
  const char* shown = filter_ < 0 ? "every state" : state_name(kStates[filter_]);
  if (ImGui::BeginCombo("state##blockfilter", shown)) {
    if (ImGui::Selectable("every state", filter_ < 0)) filter_ = -1;
    for (int i = 0; i < static_cast<int>(std::size(kStates)); ++i) {
      if (ImGui::Selectable(state_name(kStates[i]), filter_ == i)) filter_ = i;
    }
    ImGui::EndCombo();
  }
  auto shows = [&](const BlockRequest& r) { return filter_ < 0 || r.state == kStates[filter_]; };
  const BlockRequest* selected = nullptr;
  auto row = [&](const BlockRequest& r, bool ended) {
    const bool is_sel =
        selected_ && r.disk == sel_disk_ && r.tag == sel_tag_ && r.t_dispatch == sel_dispatch_;
    if (is_sel) selected = &r;
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushID(&r);
    if (ImGui::Selectable(std::to_string(r.disk).c_str(), is_sel,
                          ImGuiSelectableFlags_SpanAllColumns)) {
      selected_ = true;
      sel_disk_ = r.disk;
      sel_tag_ = r.tag;
      sel_dispatch_ = r.t_dispatch;
      selected = &r;
    }
    ImGui::PopID();
    ImGui::TableNextColumn();
    ImGui::Text("%u", r.tag);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(r.write ? "write" : "read");
    ImGui::TableNextColumn();
    ImGui::Text("%u @ %llu", r.sectors, static_cast<unsigned long long>(r.sector));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(state_name(r.state));
    ImGui::TableNextColumn();
    if (ended) {
      ImGui::TextUnformatted(outcome(r.status).c_str());
    } else {
      ImGui::Text("%u", r.refcount);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", refcount_meaning(r.refcount));
      ImGui::SameLine();
      ImGui::TextDisabled("%s", refcount_meaning(r.refcount));
    }
    ImGui::TableNextColumn();
    if (r.frames != 0) {
      ImGui::Text("pfn %#llx +%llu", static_cast<unsigned long long>(r.buffer),
                  static_cast<unsigned long long>(r.frames));
    }
  };
  table("##inflight", "refcount", [&] {
    for (const auto& [key, r] : b.in_flight()) {
      if (shows(r)) row(r, false);
    }
  });
  if (!b.ended().empty()) {
    ImGui::Spacing();
    ImGui::Text("last %zu ended", b.ended().size());
    table("##ended", "outcome", [&] {
      for (auto it = b.ended().rbegin(); it != b.ended().rend(); ++it) {
        if (shows(*it)) row(*it, true);
      }
    });
  }
  ImGui::Spacing();
  if (selected == nullptr) {
    ImGui::TextDisabled("Select a request for its timeline.");
    return;
  }
  const BlockRequest& r = *selected;
  ImGui::Text("disk %u tag %u timeline: dispatch (refcount 2)", r.disk, r.tag);
  step("device done", r.t_device_done, r.t_dispatch);
  step("timed out", r.t_timeout, r.t_dispatch);
  if (r.t_end != 0) {
    step(("end, " + outcome(r.status) + " (refcount 0)").c_str(), r.t_end, r.t_dispatch);
  } else {
    ImGui::SameLine();
    ImGui::Text("-> still in flight, refcount %u (%s)", r.refcount, refcount_meaning(r.refcount));
  }
}

}  // namespace glass::inspector::app
