// .glt files as every tool opens them: a directory, a device that never ends, an empty file, a
// foreign file, another file format or protocol version are refused in one sentence (naming the
// path, and for a version both versions and the reader by its own name) after reading at most the
// header; a good file round-trips with how it ended.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "inspector/trace/trace_end.h"
#include "inspector/trace/trace_file.h"
#include "protocol/wire.h"

namespace glass::inspector {
namespace {

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "glass_tf_" + std::to_string(::getpid()) + "_" + name;
}

std::string write_raw(const char* name, const std::vector<uint8_t>& bytes) {
  const auto p = temp_path(name);
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return p;
}

std::string refusal(const std::string& path, const char* reader = "glass-trace") {
  TraceFile f;
  std::string err;
  EXPECT_FALSE(read_trace(path, f, err, reader)) << path;
  EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
  return err;
}

TEST(TraceFile, RefusesWhatIsNotATraceFromItsHeader) {
  EXPECT_NE(refusal(::testing::TempDir()).find("is a directory"), std::string::npos);
  EXPECT_NE(refusal("/dev/zero").find("not a regular file"), std::string::npos);
  EXPECT_NE(refusal("/dev/urandom").find("not a regular file"), std::string::npos);
  EXPECT_NE(refusal(temp_path("absent")).find("cannot open"), std::string::npos);
  const auto empty = write_raw("empty", {});
  EXPECT_NE(refusal(empty).find("empty"), std::string::npos);
  const auto junk = write_raw("junk", std::vector<uint8_t>(4000, 0x41));
  EXPECT_NE(refusal(junk).find("not a Glass trace"), std::string::npos);
  const auto tiny = write_raw("tiny", {'G', 'L'});
  EXPECT_NE(refusal(tiny).find("shorter than"), std::string::npos);
  for (const auto& p : {empty, junk, tiny}) std::remove(p.c_str());
}

TEST(TraceFile, AnotherVersionIsRefusedWithBothVersionsAndTheReadersName) {
  auto h = trace_header(telemetry::kProtocolVersion, 1);
  h[8] = 2;  // file format v2
  const auto fmt = write_raw("fmt2", h);
  const auto e1 = refusal(fmt, "glass-inspect");
  EXPECT_NE(e1.find("format v2, glass-inspect reads v1"), std::string::npos) << e1;
  EXPECT_EQ(e1.find("glass-trace"), std::string::npos) << e1;
  for (uint32_t v : {0u, telemetry::kProtocolVersion - 1, 99u}) {
    const auto p = write_raw("proto", trace_header(v, 1));
    const auto e = refusal(p);
    EXPECT_NE(e.find("protocol v" + std::to_string(v) + ", glass-trace reads v" +
                     std::to_string(telemetry::kProtocolVersion)),
              std::string::npos)
        << e;
    std::remove(p.c_str());
  }
  std::remove(fmt.c_str());
}

TEST(TraceFile, WrittenWholeRoundTripsAndIsComplete) {
  const auto p = temp_path("whole.glt");
  std::string err;
  const std::vector<uint8_t> body = {0, 1, 2, 3, 0};
  ASSERT_TRUE(write_trace(p, body, err)) << err;
  TraceFile f;
  ASSERT_TRUE(read_trace(p, f, err)) << err;
  EXPECT_EQ(f.stream, body);
  EXPECT_EQ(f.end, TraceEnd::kWhole);
  EXPECT_FALSE(trace_cut(f, 1, 0, 0));
  const auto cut = trace_cut(f, 1, 0, 3);
  ASSERT_TRUE(cut) << "a body ending inside a frame is cut whatever the header says";
  EXPECT_EQ(cut->at_byte, kTraceHeaderSize + body.size() - 3);
  std::remove(p.c_str());
}

}  // namespace
}  // namespace glass::inspector
