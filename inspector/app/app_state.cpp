// AppState: see app_state.h.
#include "inspector/app/app_state.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace glass::inspector::app {

AppState::AppState(std::unique_ptr<ReplaySource> replay)
    : replay_(std::move(replay)), nav_(replay_.get(), nullptr) {}

AppState::AppState(std::unique_ptr<LiveSource> live)
    : live_(std::move(live)), nav_(nullptr, &live_->epochs()) {
  ui.live = true;
}

void AppState::choose_asid(const StateModel& m) {
  const auto& spaces = m.address_spaces();
  if (spaces.empty() || spaces.count(ui.asid) != 0) return;
  if (ui.asid_chosen && !asid_pinned) ui.asid_chosen = false;
  if (ui.asid_chosen) return;
  // The space with user mappings is the interesting one; the first created is the kernel's.
  ui.asid = spaces.size() > 1 ? std::next(spaces.begin())->first : spaces.begin()->first;
}

bool AppState::begin_frame(double dt, double now_s) {
  const bool changed = nav_.begin_frame(dt);
  ui.model_gen = nav_.generation();
  ui.navigated = nav_.navigated();
  const StateModel& m = nav_.model();
  choose_asid(m);
  ui.redraw_in_s = 1e9;
  ui.selecting = std::exchange(ui.select_view, std::nullopt);
  if (auto r = bring_tree(now_s)) {
    revealed_ = r;
    revealed_gen_ = ui.model_gen;
  }
  return changed;
}

std::optional<AppState::Reveal> AppState::tree_for_frame(double now_s) {
  auto r = bring_tree(now_s);
  if (!r && revealed_ && revealed_gen_ == ui.model_gen) r = revealed_;
  revealed_.reset();
  return r;
}

std::optional<AppState::Reveal> AppState::bring_tree(double now_s) {
  const StateModel& m = nav_.model();
  tree.update(m, ui.asid, ui.model_gen, ui.navigated, now_s);
  if (tree.deferred()) ui.redraw_in_s = std::min(ui.redraw_in_s, tree.redraw_in(now_s));
  if (!ui.reveal_va) return std::nullopt;
  Reveal r{*ui.reveal_va, tree.reveal(m, ui.asid, *ui.reveal_va, ui.model_gen, now_s)};
  ui.reveal_va.reset();
  return r;
}

}  // namespace glass::inspector::app
