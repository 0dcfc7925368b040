// Golden traces: every tests/host/data/telemetry/golden/*.glt decodes to exactly its .txt (the
// `glass-trace dump` text), so any change to the decoder or the event text shows up as a diff
// here. The real recording must also replay into a synced model whose own walk equals the
// kernel's walk_result in it. How the files were made: golden/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "inspector/model/event_text.h"
#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/trace_file.h"
#include "tests/host/telemetry/telemetry_test_support.h"

namespace glass::inspector {
namespace {

std::vector<std::filesystem::path> goldens() {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(testing::golden_dir(), ec))
    if (e.path().extension() == ".glt") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<StreamItem> decode_file(const std::filesystem::path& p) {
  TraceFile f;
  std::string err;
  EXPECT_TRUE(read_trace(p.string(), f, err)) << err;
  StreamDecoder d;
  std::vector<StreamItem> items;
  d.feed(f.stream.data(), f.stream.size(), items);
  d.finish(items);
  return items;
}

std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in) << "missing " << p;
  std::vector<std::string> out;
  for (std::string ln; std::getline(in, ln);) out.push_back(ln);
  return out;
}

TEST(TelemetryGolden, EveryTraceDumpsToItsText) {
  const auto files = goldens();
  ASSERT_GE(files.size(), 3u) << "golden traces missing in " << testing::golden_dir();
  for (const auto& glt : files) {
    SCOPED_TRACE(glt.filename().string());
    std::vector<std::string> got;
    for (const auto& it : decode_file(glt)) got.push_back(dump_line(it));
    auto txt = glt;
    const std::vector<std::string> want = lines_of(txt.replace_extension(".txt"));
    const size_t n = std::min(got.size(), want.size());
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(got[i], want[i]) << "first difference at line " << i + 1;
    EXPECT_EQ(got.size(), want.size());
  }
}

TEST(TelemetryGolden, RealRecordingReplaysAndWalksAgree) {
  const auto files = goldens();
  auto real = std::find_if(files.begin(), files.end(), [](const auto& p) {
    return p.filename().string().rfind("real_", 0) == 0;
  });
  ASSERT_NE(real, files.end());
  StateModel m;
  for (const auto& it : decode_file(*real)) m.apply(it);
  EXPECT_EQ(m.sync(), Sync::kSynced) << m.sync_reason();
  EXPECT_EQ(m.counters().digests_mismatched, 0u);
  EXPECT_EQ(m.counters().problems, 0u);
  ASSERT_TRUE(m.last_walk().has_value());
  const WalkAnswer& k = *m.last_walk();
  EXPECT_EQ(k.status, telemetry::WalkStatus::kLeaf);
  EXPECT_TRUE(same_walk(k, m.walk_address(k.asid, k.va)));
}

}  // namespace
}  // namespace glass::inspector
