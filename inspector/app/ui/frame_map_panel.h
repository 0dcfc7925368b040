// FrameMapPanel: every physical frame as a coloured cell (view::render_frame_map into one GL
// texture), a legend with counts, zoom with the wheel around the pointer, pan by dragging, a
// tooltip describing the frame under the pointer, and a click that reveals the entry mapping it
// in the tree.
//
// Invariants: the legend's counts are recounted when the model changed: at once after a
// navigation, at most every kCountSeconds while live data keeps changing it (then it asks to be
// drawn again when due); the texture is re-rendered only when the model
// (UiState::model_gen) or the viewport changed; the viewport always has at least one cell and a
// frames-per-cell in [kMinFramesPerCell, frame count], whatever the window size.
#pragma once

#include <stdint.h>

#include <vector>

#include "inspector/app/ui/frame_texture.h"
#include "inspector/app/ui_state.h"
#include "inspector/model/state_model.h"
#include "inspector/view/frame_map.h"

namespace glass::inspector::app {

class FrameMapPanel {
 public:
  static constexpr double kMinFramesPerCell = 1.0 / 16;
  static constexpr double kCountSeconds = 0.25;

  void draw(const StateModel& m, UiState& ui);
  [[nodiscard]] const view::FrameViewport& viewport() const { return vp_; }

 private:
  void draw_legend(const StateModel& m, UiState& ui);
  void fit(uint64_t frames);

  FrameTexture tex_;
  std::vector<uint32_t> cells_;
  view::FrameViewport vp_;
  double first_ = 0;  // fractional first frame while panning
  bool fitted_ = false;
  uint64_t fitted_frames_ = 0;
  uint64_t drawn_gen_ = ~uint64_t{0};
  view::FrameViewport drawn_vp_{~uint64_t{0}, 0, 0, 0};
  std::vector<uint64_t> kind_counts_;
  uint64_t counted_gen_ = ~uint64_t{0};
  double counted_at_ = 0;
};

}  // namespace glass::inspector::app
