// Opening a trace in the inspector: a good trace opens at its first event, --at-event is checked
// against what the trace holds, playback moves at the chosen rate and stops at the end, and a
// missing, foreign or truncated file gets a sentence (the truncated one still opens).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "inspector/app/replay_source.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/trace_file.h"

namespace glass::inspector::app {
namespace {

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "glass_replay_" + std::to_string(::getpid()) + "_" + name;
}

std::string write_synthetic(const char* name, size_t cut_bytes = 0) {
  HostKernel k(4096, 5);
  k.handshake();
  uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 40, 0);
  k.snapshot();
  k.random_activity(60);
  k.send_digest();
  k.flush();
  auto bytes = k.take_bytes();
  bytes.resize(bytes.size() - cut_bytes);
  const auto path = temp_path(name);
  std::string err;
  EXPECT_TRUE(write_trace(path, bytes, err)) << err;
  return path;
}

TEST(ReplaySource, OpensAtTheFirstEventAndSeeksWithinTheTrace) {
  const auto path = write_synthetic("good.glt");
  ReplaySource r;
  std::string err;
  ASSERT_TRUE(r.open(path, err)) << err;
  ASSERT_GT(r.event_count(), 10u);
  EXPECT_EQ(r.position(), 0u) << "a replay starts where the recording starts";
  EXPECT_EQ(r.state().node_count(), 0u) << "only the handshake has been applied";
  EXPECT_NE(r.message().find("loaded"), std::string::npos) << r.message();
  ASSERT_TRUE(r.seek_checked(r.event_count() - 1, err)) << err;
  EXPECT_EQ(r.state().sync(), Sync::kSynced);
  EXPECT_FALSE(r.seek_checked(r.event_count(), err));
  EXPECT_NE(err.find("has " + std::to_string(r.event_count()) + " events"), std::string::npos)
      << err;
  std::remove(path.c_str());
}

TEST(ReplaySource, PlaysAtItsRateAndStopsAtTheEnd) {
  const auto path = write_synthetic("play.glt");
  ReplaySource r;
  std::string err;
  ASSERT_TRUE(r.open(path, err)) << err;
  r.seek(0);
  r.set_rate(100);
  r.play(true);
  EXPECT_TRUE(r.tick(0.05));
  EXPECT_EQ(r.position(), 5u);
  EXPECT_FALSE(r.tick(0.001)) << "a tenth of an event is owed, not taken";
  EXPECT_TRUE(r.tick(1e6));
  EXPECT_EQ(r.position(), r.event_count() - 1);
  EXPECT_FALSE(r.playing());
  std::remove(path.c_str());
}

TEST(ReplaySource, TruncatedTraceOpensAndSaysWhereItWasCut) {
  const auto path = write_synthetic("cut.glt", 7);
  ReplaySource r;
  std::string err;
  ASSERT_TRUE(r.open(path, err)) << err;
  EXPECT_GT(r.event_count(), 0u);
  EXPECT_NE(r.message().find("truncated after byte"), std::string::npos) << r.message();
  std::remove(path.c_str());
}

TEST(ReplaySource, MissingAndForeignFilesAreRefusedWithThePath) {
  ReplaySource r;
  std::string err;
  EXPECT_FALSE(r.open("/nonexistent/t.glt", err));
  EXPECT_NE(err.find("cannot open /nonexistent/t.glt"), std::string::npos) << err;
  const auto junk = temp_path("junk.glt");
  std::ofstream(junk) << "definitely not a trace, just some text long enough for a header";
  EXPECT_FALSE(r.open(junk, err));
  EXPECT_NE(err.find(junk), std::string::npos) << err;
  std::remove(junk.c_str());
}

}  // namespace
}  // namespace glass::inspector::app
