// Screenshots are PNGs a person and a test can both read: pixels survive a write/read round trip
// exactly, rows come out top first, and bad input is a sentence, not a crash or a half file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "inspector/app/png_writer.h"

namespace glass::inspector::app {
namespace {

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "glass_png_" + std::to_string(::getpid()) + "_" + name;
}

TEST(PngWriter, RoundTripKeepsEveryPixel) {
  const uint32_t w = 37, h = 11;
  std::vector<uint8_t> px(w * h * 4);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 7 + i / 5);
  for (size_t i = 3; i < px.size(); i += 4) px[i] = 255;  // opaque, as a screenshot is
  const auto path = temp_path("rt.png");
  std::string err;
  ASSERT_TRUE(write_png(path, w, h, px, err)) << err;
  uint32_t rw = 0, rh = 0;
  std::vector<uint8_t> back;
  ASSERT_TRUE(read_png(path, rw, rh, back, err)) << err;
  EXPECT_EQ(rw, w);
  EXPECT_EQ(rh, h);
  EXPECT_EQ(back, px);
  std::remove(path.c_str());
}

TEST(PngWriter, FlipPutsTheBottomRowFirst) {
  std::vector<uint8_t> px = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};  // 1x3, GL order
  flip_rows(px, 1, 3);
  EXPECT_EQ(px[0], 3);
  EXPECT_EQ(px[4], 2);
  EXPECT_EQ(px[8], 1);
}

TEST(PngWriter, WrongPixelCountIsRefused) {
  std::string err;
  EXPECT_FALSE(write_png(temp_path("bad.png"), 4, 4, std::vector<uint8_t>(10), err));
  EXPECT_NE(err.find("4x4"), std::string::npos) << err;
  EXPECT_FALSE(write_png(temp_path("zero.png"), 0, 4, {}, err));
}

TEST(PngWriter, UnwritablePathIsASentenceAndLeavesNothing) {
  std::string err;
  const std::string path = "/nonexistent-dir/x.png";
  EXPECT_FALSE(write_png(path, 1, 1, std::vector<uint8_t>(4, 255), err));
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(::access("/nonexistent-dir/x.png.tmp", F_OK), 0);
}

TEST(PngWriter, ReadingANonPngSaysSo) {
  const auto path = temp_path("junk.png");
  std::ofstream(path) << "not a png at all";
  uint32_t w, h;
  std::vector<uint8_t> px;
  std::string err;
  EXPECT_FALSE(read_png(path, w, h, px, err));
  EXPECT_NE(err.find(path), std::string::npos) << err;
  std::remove(path.c_str());
}

}  // namespace
}  // namespace glass::inspector::app
