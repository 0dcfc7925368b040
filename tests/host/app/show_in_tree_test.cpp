// "show in tree" from another tab (issue 16's smaller bugs): a view that asks, while it draws,
// for the tree tab and for an address to be revealed gets both in the frames that follow: the tab
// is selected at the next frame (the request used to be reset at the end of the tab bar, after
// the Invariants tab had made it, so the tab never switched) and the tree panel's first draw gets
// the revealed row to highlight (it used to be consumed, unanswered, at the top of the frame).
#include <gtest/gtest.h>
#include <unistd.h>

#include "inspector/app/app_state.h"
#include "inspector/trace/trace_file.h"
#include "tests/host/inspector/view_test_support.h"

namespace glass::inspector::app {
namespace {

using testing::Wire;

std::unique_ptr<ReplaySource> replay_of(Wire& w, const char* name) {
  const std::string path =
      ::testing::TempDir() + "glass_show_" + std::to_string(::getpid()) + "_" + name;
  std::string err;
  EXPECT_TRUE(write_trace(path, w.bytes(), err)) << err;
  auto r = std::make_unique<ReplaySource>();
  EXPECT_TRUE(r->open(path, err)) << err;
  return r;
}

TEST(ShowInTree, AskedWhileDrawingSwitchesTabAndHighlightsTheRowAtTheNextFrame) {
  Wire w;
  w.space(1);
  w.space(2);
  w.map(2, 0x400000, 1, 0x5000, Wire::kW | Wire::kU);
  w.map(2, 0x800000, 1, 0x6000, Wire::kW | Wire::kU);
  AppState app(replay_of(w, "a.glt"));
  app.request(NavRequest::seek(1000000));  // the last event: everything mapped
  app.begin_frame(0, 0);
  EXPECT_FALSE(app.ui.selecting.has_value());

  // Frame 1: the Invariants tab (drawn after the tree's) asks, as its "show in tree" button does.
  app.ui.asid = 2;
  app.ui.asid_chosen = true;
  app.ui.reveal_va = 0x800000;
  app.ui.select_view = ViewId::kTree;

  // Frame 2: the tab bar selects the tree; the tree panel's first draw highlights the row.
  app.begin_frame(0.016, 0.016);
  ASSERT_TRUE(app.ui.selecting.has_value());
  EXPECT_EQ(*app.ui.selecting, ViewId::kTree);
  EXPECT_FALSE(app.ui.select_view.has_value());
  auto r = app.tree_for_frame(0.016);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->va, 0x800000u);
  ASSERT_TRUE(r->row.has_value());
  const view::TreeRow& row = app.tree.rows().rows()[*r->row];
  EXPECT_TRUE(row.leaf);
  EXPECT_EQ(row.va_first, 0x800000u);
  // Answered once: a second draw of the tree in the same frame does not move the highlight again.
  EXPECT_FALSE(app.tree_for_frame(0.016).has_value());

  // Frame 3: the request was one frame's.
  app.begin_frame(0.032, 0.032);
  EXPECT_FALSE(app.ui.selecting.has_value());
}

TEST(ShowInTree, ARevealAnsweredForAnotherStateIsNotShown) {
  Wire w;
  w.space(1);
  w.map(1, 0x400000, 1, 0x5000, Wire::kW | Wire::kU);
  AppState app(replay_of(w, "b.glt"));
  app.request(NavRequest::seek(1000000));
  app.begin_frame(0, 0);
  app.ui.reveal_va = 0x400000;
  app.begin_frame(0.016, 0.016);
  app.request(NavRequest::seek(0));  // the student steps away before the tree is drawn
  app.begin_frame(0.032, 0.032);
  EXPECT_FALSE(app.tree_for_frame(0.032).has_value());
}

}  // namespace
}  // namespace glass::inspector::app
