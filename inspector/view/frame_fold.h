// FrameFold: the frame map's order of frames with long free runs folded, so the frames in use
// can be seen at a glance on any RAM size (in a 512 MiB guest they were one-pixel strips above
// and below a grey block of free memory). A free run of at least kMinRun frames is drawn as
// kMarkerFrames "display frames" of the fold colour; every other frame is one display frame, in
// physical order.
//
// Invariants:
//  - segments() cover the frames [0, frame count) in order without gap or overlap; display
//    indices are contiguous from 0 to display_count(); an unfolded segment maps display frame
//    display_first + i to pfn pfn_first + i; a folded one shows no single frame (at() gives its
//    first pfn and folded = true).
//  - kinds() has one entry per display frame: the frame's kind, or kFoldKind inside a fold.
//  - With folding off, display index == pfn and nothing is folded (the map as before).
//  - Rebuilt from the model only (build()); it keeps no pointer into it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <array>
#include <optional>
#include <vector>

#include "inspector/model/state_model.h"

namespace glass::inspector::view {

inline constexpr uint8_t kFoldKind = 15;                  // not a frame kind: the fold's marker
inline constexpr uint32_t kFoldRgba = 0xFF6E5A46u;        // #465A6E, blue-grey
inline constexpr uint32_t kFoldStripeRgba = 0xFF2E241Cu;  // #1C242E, its darker stripes

struct FoldSegment {
  uint64_t display_first = 0, display_count = 0;
  uint64_t pfn_first = 0, pfn_count = 0;
  bool folded = false;
};

class FrameFold {
 public:
  static constexpr uint64_t kMinRun = 1024;      // 4 MiB of free frames
  static constexpr uint64_t kMarkerFrames = 64;  // how much room a fold takes on the map

  void build(const StateModel& m, bool fold);
  [[nodiscard]] uint64_t display_count() const { return kinds_.size(); }
  [[nodiscard]] const std::vector<uint8_t>& kinds() const { return kinds_; }
  [[nodiscard]] const std::vector<FoldSegment>& segments() const { return segments_; }
  [[nodiscard]] size_t folds() const { return folds_; }
  // Frames of each kind (index: the kind byte & 15), counted in the same pass: the legend's counts.
  [[nodiscard]] const std::array<uint64_t, 16>& kind_counts() const { return counts_; }
  [[nodiscard]] uint64_t folded_frames() const { return folded_frames_; }

  struct At {
    uint64_t pfn = 0;
    bool folded = false;
    const FoldSegment* segment = nullptr;
  };
  // The frame (or fold) shown at a display index; nullopt past the end.
  [[nodiscard]] std::optional<At> at(uint64_t display) const;
  // Where a frame is shown (a folded frame: its fold's first display index).
  [[nodiscard]] std::optional<uint64_t> display_of(uint64_t pfn) const;

 private:
  std::vector<uint8_t> kinds_;
  std::vector<FoldSegment> segments_;
  size_t folds_ = 0;
  uint64_t folded_frames_ = 0;
  std::array<uint64_t, 16> counts_{};
};

// "Go to frame N": vp moved (zoom kept) so the row holding pfn's cell is the second row in view,
// or the first when it is the map's first row; nullopt when pfn is beyond the frame table.
[[nodiscard]] std::optional<double> first_display_showing(const FrameFold& fold,
                                                          double frames_per_cell, uint32_t cols,
                                                          uint64_t pfn);

}  // namespace glass::inspector::view
