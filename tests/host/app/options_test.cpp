// glass-inspect's command line: what a user types is accepted exactly, and every mistake is one
// sentence naming the argument (the app prints it with the usage and exits 2).
#include <gtest/gtest.h>

#include "inspector/app/options.h"

namespace glass::inspector::app {
namespace {

bool parse(std::vector<std::string> args, Options& o, std::string& err) {
  return parse_options(args, o, err);
}

TEST(InspectOptions, DefaultsAttachToTheRunSocket) {
  Options o;
  std::string err;
  ASSERT_TRUE(parse({}, o, err)) << err;
  EXPECT_EQ(o.socket_path, "build/run/telemetry.sock");
  EXPECT_FALSE(o.replay_path);
  EXPECT_EQ(o.view, ViewId::kTree);
  EXPECT_EQ(o.width, 1280u);
}

TEST(InspectOptions, HeadlessScreenshotLine) {
  Options o;
  std::string err;
  ASSERT_TRUE(
      parse({"--replay", "t.glt", "--at-event", "41", "--view", "walk", "--screenshot", "o.png",
             "--size", "640x360", "--scale", "1.5", "--walk-va", "0x400000", "--walk-asid", "2"},
            o, err))
      << err;
  EXPECT_EQ(*o.replay_path, "t.glt");
  EXPECT_EQ(*o.at_event, 41u);
  EXPECT_EQ(o.view, ViewId::kWalk);
  EXPECT_EQ(*o.screenshot_path, "o.png");
  EXPECT_EQ(o.width, 640u);
  EXPECT_EQ(o.height, 360u);
  EXPECT_FLOAT_EQ(*o.scale, 1.5f);
  EXPECT_EQ(*o.walk_va, 0x400000u);
  EXPECT_EQ(o.walk_asid, 2u);
}

TEST(InspectOptions, LiveScreenshotWaitsForSyncWithADeadline) {
  Options o;
  std::string err;
  ASSERT_TRUE(parse({"--socket", "k.sock", "--view", "walk", "--walk-va", "0x400123",
                     "--screenshot", "o.png", "--sync-timeout", "12.5"},
                    o, err))
      << err;
  EXPECT_DOUBLE_EQ(o.sync_timeout_s, 12.5);
  Options d;
  ASSERT_TRUE(parse({"--socket", "k.sock", "--screenshot", "o.png"}, d, err)) << err;
  EXPECT_DOUBLE_EQ(d.sync_timeout_s, 60.0) << "a live screenshot never waits forever";
}

TEST(InspectOptions, SeveralViewsFromOneProcess) {
  Options o;
  std::string err;
  ASSERT_TRUE(parse(
      {"--replay", "t.glt", "--screenshot", "out/{view}.png", "--views", "walk,frames"}, o, err))
      << err;
  EXPECT_EQ(o.shot_views, (std::vector<ViewId>{ViewId::kWalk, ViewId::kFrames}));
  Options all;
  ASSERT_TRUE(
      parse({"--replay", "t.glt", "--screenshot", "{view}.png", "--views", "all"}, all, err))
      << err;
  ASSERT_EQ(all.shot_views.size(), static_cast<size_t>(kViewCount));
  for (int i = 0; i < kViewCount; ++i) EXPECT_EQ(all.shot_views[i], static_cast<ViewId>(i));
}

TEST(InspectOptions, EveryViewNameRoundTrips) {
  for (int i = 0; i < kViewCount; ++i) {
    auto v = static_cast<ViewId>(i);
    EXPECT_EQ(view_from_flag(view_flag_name(v)), v);
  }
  EXPECT_FALSE(view_from_flag("Tree"));
}

TEST(InspectOptions, MistakesAreNamed) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"--bogus"}, "unknown argument '--bogus'"},
      {{"--replay"}, "--replay needs a value"},
      {{"--view", "trees"}, "unknown view 'trees'"},
      {{"--replay", "t.glt", "--at-event", "-1"}, "--at-event wants an event number"},
      {{"--replay", "t.glt", "--at-event", "12x"}, "--at-event wants an event number"},
      {{"--replay", "t.glt", "--at-event", "99999999999999999999999"}, "--at-event wants"},
      {{"--at-event", "3"}, "--at-event needs --replay"},
      {{"--socket", "s", "--replay", "t.glt"}, "exclude each other"},
      {{"--replay", "t.glt", "--record", "o.glt"}, "--record saves a live stream"},
      {{"--size", "0x100"}, "--size wants WxH"},
      {{"--size", "100"}, "--size wants WxH"},
      {{"--size", "100x99999"}, "--size wants WxH"},
      {{"--scale", "0"}, "--scale wants a number from 0.5 to 4"},
      {{"--scale", "nan"}, "--scale wants"},
      {{"--walk-va", "0xzz"}, "--walk-va wants an address"},
      {{"--walk-asid", "4294967296"}, "--walk-asid wants"},
      {{"--exit-after", "-2"}, "--exit-after wants seconds"},
      {{"--screenshot", "o.png", "--sync-timeout", "0"}, "--sync-timeout wants seconds"},
      {{"--sync-timeout", "5"}, "--sync-timeout is for a live --screenshot"},
      {{"--replay", "t.glt", "--screenshot", "o.png", "--sync-timeout", "5"},
       "--sync-timeout is for a live --screenshot"},
      {{"--screenshot", "o.png", "--exit-after", "2", "--sync-timeout", "5"},
       "--sync-timeout is for a live --screenshot"},
      {{"--replay", "t.glt", "--screenshot", "{view}.png", "--views", "tree,,walk"},
       "--views wants views separated by commas"},
      {{"--replay", "t.glt", "--screenshot", "{view}.png", "--views", "tree,nope"},
       "not 'tree,nope'"},
      {{"--replay", "t.glt", "--screenshot", "o.png", "--views", "tree,walk"},
       "--views needs --replay and a --screenshot path with {view}"},
      {{"--screenshot", "{view}.png", "--views", "all"}, "--views needs --replay"},
      {{"--replay", "t.glt", "--views", "all"}, "--views needs --replay"},
      {{"--replay", "t.glt", "--screenshot", "{view}.png", "--views", "all", "--view", "walk"},
       "(and no --view)"},
  };
  for (const auto& c : cases) {
    Options o;
    std::string err;
    EXPECT_FALSE(parse(c.args, o, err)) << c.args[0];
    EXPECT_NE(err.find(c.says), std::string::npos) << "got: " << err;
  }
}

TEST(InspectOptions, TinyAndHugeSizesWithinBoundsAreAccepted) {
  Options o;
  std::string err;
  ASSERT_TRUE(parse({"--size", "1x1"}, o, err)) << err;
  EXPECT_EQ(o.width, 1u);
  ASSERT_TRUE(parse({"--size", "16384x16384"}, o, err)) << err;
  EXPECT_EQ(o.height, 16384u);
}

}  // namespace
}  // namespace glass::inspector::app
