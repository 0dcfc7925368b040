// RedrawPolicy: when an interactive glass-inspect draws a frame and how long it may sleep
// otherwise. Drawing every frame kept a core busy (100-120 % of one, competing with QEMU on a
// 2-core laptop) for a picture that had not changed.
//
// Invariants:
//  - A frame is drawn when something may have changed the picture: the first frames, an input
//    or window event (and kSettleFrames after it: ImGui shows a click's effect, a hover or a
//    popup a frame or two later), a navigation asked, playback, the live source's state or data
//    (source_key), or a refresh a view put off (its due time). Nothing else draws.
//  - Otherwise the window sleeps for wait_seconds(): never past a put-off refresh's due time,
//    and at most kLivePollSeconds while live data may arrive (the socket is read between
//    sleeps), kIdleSeconds for a replay (only input changes it; the bound keeps signals and
//    --exit-after prompt).
//  - GUI-free and clock-free (times are passed in), so host tests drive it.
#pragma once

#include <stdint.h>

namespace glass::inspector::app {

class RedrawPolicy {
 public:
  static constexpr int kSettleFrames = 3;
  static constexpr double kLivePollSeconds = 0.05;
  static constexpr double kIdleSeconds = 0.5;

  struct Cause {
    bool navigation = false;  // a NavRequest waits for the next frame
    bool playing = false;     // a replay plays
    uint64_t source_key = 0;  // changes whenever the live source did something
    double now_s = 0;
  };

  // Whether to draw now (see the header).
  [[nodiscard]] bool should_draw(const Cause& c);
  // How long to sleep when not drawing.
  [[nodiscard]] double wait_seconds(const Cause& c, bool live) const;
  // An input or window event arrived.
  void input() { settle_ = kSettleFrames; }
  // A frame was drawn at now_s; a view asked to be drawn again within redraw_in_s.
  void drawn(double now_s, double redraw_in_s);

 private:
  int settle_ = kSettleFrames;  // the first frames lay the window out
  uint64_t key_ = 0;
  bool have_key_ = false;
  double due_s_ = 1e18;
};

}  // namespace glass::inspector::app
