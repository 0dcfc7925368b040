// Keys (issue 16, items 4 and 5): Left/Right step, Home/End go to the first/last event, Space
// plays and pauses, each through AppState's one navigation path, so the state drawn is a fresh
// replay's at the event shown; typing into a box steps nothing; F1 and ? open the help; every key
// is listed once in the help's table, and every tab has a line there.
#include "inspector/app/shortcuts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "inspector/app/app_state.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/trace_file.h"

namespace glass::inspector::app {
namespace {

std::unique_ptr<ReplaySource> small_replay() {
  HostKernel k(4096, 3);
  k.handshake();
  const uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 40, 0);
  k.snapshot();
  k.random_activity(20);
  k.send_digest();
  k.flush();
  const auto path = ::testing::TempDir() + "glass_keys_" + std::to_string(::getpid()) + ".glt";
  std::string err;
  EXPECT_TRUE(write_trace(path, k.take_bytes(), err)) << err;
  auto r = std::make_unique<ReplaySource>();
  EXPECT_TRUE(r->open(path, err)) << err;
  return r;
}

void press(AppState& app, Key k, bool typing = false) {
  const size_t n = app.replay()->event_count();
  const KeyAction a = key_action(k, true, n - 1, app.replay()->playing(), typing, ViewId::kTree);
  if (a.nav) app.request(*a.nav);
  app.begin_frame(0, 0);
}

TEST(Shortcuts, TimelineKeysNavigateThroughTheOnePath) {
  AppState app(small_replay());
  app.begin_frame(0, 0);
  const size_t last = app.replay()->event_count() - 1;
  ASSERT_GT(last, 10u);
  EXPECT_EQ(app.nav().position(), 0u);
  press(app, Key::kRight);
  press(app, Key::kRight);
  EXPECT_EQ(app.nav().position(), 2u);
  press(app, Key::kLeft);
  EXPECT_EQ(app.nav().position(), 1u);
  press(app, Key::kEnd);
  EXPECT_EQ(app.nav().position(), last);
  // The state drawn is a fresh replay's at the last event.
  StateModel fresh;
  for (size_t i = 0; i <= last; ++i) fresh.apply(app.replay()->timeline().item(i));
  EXPECT_EQ(app.model().digest(), fresh.digest());
  press(app, Key::kRight);  // clamped at the end
  EXPECT_EQ(app.nav().position(), last);
  press(app, Key::kHome);
  EXPECT_EQ(app.nav().position(), 0u);
  press(app, Key::kSpace);
  EXPECT_TRUE(app.replay()->playing());
  press(app, Key::kSpace);
  EXPECT_FALSE(app.replay()->playing());
  press(app, Key::kRight, /*typing=*/true);  // a text box has the keyboard
  EXPECT_EQ(app.nav().position(), 0u);
}

TEST(Shortcuts, HelpAndWalkKeysAndNothingLive) {
  EXPECT_TRUE(key_action(Key::kF1, false, 0, false, true, ViewId::kTree).toggle_help);
  EXPECT_TRUE(key_action(Key::kQuestion, false, 0, false, false, ViewId::kTree).toggle_help);
  EXPECT_FALSE(key_action(Key::kQuestion, false, 0, false, true, ViewId::kTree).toggle_help);
  EXPECT_TRUE(key_action(Key::kEscape, false, 0, false, true, ViewId::kTree).close_help);
  EXPECT_TRUE(key_action(Key::kN, false, 0, false, false, ViewId::kWalk).walk_next);
  EXPECT_FALSE(key_action(Key::kN, false, 0, false, false, ViewId::kTree).walk_next);
  EXPECT_FALSE(key_action(Key::kN, false, 0, false, true, ViewId::kWalk).walk_next);
  for (Key k : {Key::kLeft, Key::kRight, Key::kHome, Key::kEnd, Key::kSpace})
    EXPECT_FALSE(key_action(k, false, 0, false, false, ViewId::kTree).nav.has_value());
}

TEST(Shortcuts, TheHelpListsEveryKeyOnceAndEveryTab) {
  std::set<int> keys;
  for (const auto& s : shortcuts()) EXPECT_TRUE(keys.insert(static_cast<int>(s.key)).second);
  EXPECT_EQ(keys.size(), static_cast<size_t>(Key::kN) + 1);
  ASSERT_EQ(tab_help().size(), static_cast<size_t>(kViewCount));
  for (int i = 0; i < kViewCount; ++i) EXPECT_EQ(static_cast<int>(tab_help()[i].view), i);
}

}  // namespace
}  // namespace glass::inspector::app
