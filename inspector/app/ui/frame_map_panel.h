// FrameMapPanel: every physical frame as a coloured cell (view::render_display_map into one GL
// texture), long free runs folded into a marked stripe (view::FrameFold, on by default) so the
// frames in use show at a glance, a legend with counts, "Go to frame N" (the frame outlined),
// zoom with the wheel around the pointer, pan by dragging, a tooltip describing the frame (or the
// fold) under the pointer, and a click that reveals the entry mapping it in the tree.
//
// Invariants: the fold (and with it the legend's counts, counted in the same pass over the frame
// table) is rebuilt whenever the model shown changed, so the legend is always the state shown's;
// the fold and the texture are rebuilt only when the model
// (UiState::model_gen), the fold switch or the viewport changed; the viewport (over display
// frames: see frame_fold.h) always has at least one cell and a frames-per-cell in
// [kMinFramesPerCell, display count], whatever the window size.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "inspector/app/ui/frame_texture.h"
#include "inspector/app/ui_state.h"
#include "inspector/model/state_model.h"
#include "inspector/view/frame_fold.h"
#include "inspector/view/frame_map.h"

namespace glass::inspector::app {

class FrameMapPanel {
 public:
  static constexpr double kMinFramesPerCell = 1.0 / 16;

  void draw(const StateModel& m, UiState& ui);
  [[nodiscard]] const view::FrameViewport& viewport() const { return vp_; }

 private:
  void draw_legend();
  void draw_tools(const StateModel& m, UiState& ui, bool& fit_pressed);
  void fit(uint64_t frames);
  void tooltip(const StateModel& m, UiState& ui, uint64_t display);

  FrameTexture tex_;
  view::FrameFold fold_;
  bool fold_on_ = true;
  uint64_t fold_gen_ = ~uint64_t{0};
  bool fold_built_on_ = true;
  char goto_text_[24] = {};
  std::string goto_message_;
  std::optional<uint64_t> marked_pfn_;  // the frame "Go to" found: outlined
  std::vector<uint32_t> cells_;
  view::FrameViewport vp_;
  double first_ = 0;  // fractional first frame while panning
  bool fitted_ = false;
  uint64_t fitted_frames_ = 0;
  uint64_t drawn_gen_ = ~uint64_t{0};
  view::FrameViewport drawn_vp_{~uint64_t{0}, 0, 0, 0};
};

}  // namespace glass::inspector::app
