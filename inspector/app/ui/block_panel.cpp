// The "Block requests" tab; see block_panel.h.
#include "inspector/app/ui/block_panel.h"

#include <imgui.h>

#include <string>

namespace glass::inspector::app {
namespace {
std::string outcome(uint32_t status) {
  return status == 0 ? "ok" : "error " + std::to_string(status - 1);
}

void row(const BlockRequest& r, bool ended) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::Text("%u", r.disk);
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
  table("##inflight", "refcount", [&] {
    for (const auto& [key, r] : b.in_flight()) row(r, false);
  });
  if (!b.ended().empty()) {
    ImGui::Spacing();
    ImGui::Text("last %zu ended", b.ended().size());
    table("##ended", "outcome", [&] {
      for (auto it = b.ended().rbegin(); it != b.ended().rend(); ++it) row(*it, true);
    });
  }
}

}  // namespace glass::inspector::app
