// When an interactive inspector draws (RedrawPolicy): only when something may have changed the
// picture, and otherwise it sleeps no longer than live data or a put-off refresh allows.
#include "inspector/app/redraw_policy.h"

#include <gtest/gtest.h>

namespace glass::inspector::app {
namespace {

// Draws until the policy says stop (the first frames, or an input's settle frames); how many.
int frames_until_idle(RedrawPolicy& p, RedrawPolicy::Cause& c) {
  int n = 0;
  while (p.should_draw(c) && n < 100) {
    p.drawn(c.now_s, 1e9);
    c.now_s += 0.016;
    ++n;
  }
  return n;
}

TEST(RedrawPolicy, AnIdleReplayStopsDrawingAndSleepsLong) {
  RedrawPolicy p;
  RedrawPolicy::Cause c;
  EXPECT_EQ(frames_until_idle(p, c), RedrawPolicy::kSettleFrames) << "the first frames lay out";
  EXPECT_FALSE(p.should_draw(c));
  EXPECT_DOUBLE_EQ(p.wait_seconds(c, false), RedrawPolicy::kIdleSeconds);
  EXPECT_DOUBLE_EQ(p.wait_seconds(c, true), RedrawPolicy::kLivePollSeconds);
}

TEST(RedrawPolicy, InputNavigationPlaybackAndLiveDataEachDraw) {
  RedrawPolicy p;
  RedrawPolicy::Cause c;
  (void)frames_until_idle(p, c);
  p.input();
  EXPECT_EQ(frames_until_idle(p, c), RedrawPolicy::kSettleFrames);
  c.navigation = true;
  EXPECT_TRUE(p.should_draw(c));
  c.navigation = false;
  c.playing = true;
  EXPECT_TRUE(p.should_draw(c));
  c.playing = false;
  EXPECT_FALSE(p.should_draw(c));
  c.source_key = 42;
  EXPECT_TRUE(p.should_draw(c)) << "the live source changed";
  EXPECT_FALSE(p.should_draw(c)) << "and then did not";
}

TEST(RedrawPolicy, APutOffRefreshIsDrawnWhenDueAndBoundsTheSleep) {
  RedrawPolicy p;
  RedrawPolicy::Cause c;
  (void)frames_until_idle(p, c);
  p.drawn(c.now_s, 0.2);  // a view put a refresh off by 0.2 s
  c.now_s += 0.05;
  EXPECT_FALSE(p.should_draw(c));
  EXPECT_NEAR(p.wait_seconds(c, false), 0.15, 1e-9);
  c.now_s += 0.15;
  EXPECT_TRUE(p.should_draw(c));
  p.drawn(c.now_s, 1e9);
  EXPECT_FALSE(p.should_draw(c));
}

}  // namespace
}  // namespace glass::inspector::app
