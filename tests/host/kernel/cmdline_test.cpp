// The kernel command line: every documented option, and every kind of bad input a user can type
// into --cmdline, ends in a parsed value or a warning, never a crash or a silent truncation.
#include "kernel/boot/cmdline.h"

#include <gtest/gtest.h>

#include <string>

namespace glass {
namespace {

TEST(Cmdline, NullAndEmptyMeanDefaults) {
  for (const char* text : {static_cast<const char*>(nullptr), "", "   \t  "}) {
    Cmdline c = parse_cmdline(text);
    EXPECT_STREQ(c.ktest, "");
    EXPECT_STREQ(c.demo, "");
    EXPECT_FALSE(c.quiet);
    EXPECT_FALSE(c.panic_exit);
    EXPECT_FALSE(c.exit_after_ready);
    EXPECT_EQ(c.warning_count, 0u);
  }
}

TEST(Cmdline, ParsesEveryOption) {
  Cmdline c = parse_cmdline("ktest=frames,paging demo=mm quiet panic=exit exit_after_ready");
  EXPECT_STREQ(c.ktest, "frames,paging");
  EXPECT_STREQ(c.demo, "mm");
  EXPECT_TRUE(c.quiet);
  EXPECT_TRUE(c.panic_exit);
  EXPECT_TRUE(c.exit_after_ready);
  EXPECT_EQ(c.warning_count, 0u);
}

TEST(Cmdline, TelemetryOnByDefaultOffOnRequest) {
  EXPECT_TRUE(parse_cmdline("quiet").telemetry);
  EXPECT_FALSE(parse_cmdline("telemetry=off").telemetry);
  EXPECT_TRUE(parse_cmdline("telemetry=off telemetry=on").telemetry);
  Cmdline c = parse_cmdline("telemetry=maybe telemetry exit_after_demo");
  EXPECT_TRUE(c.telemetry);
  EXPECT_TRUE(c.exit_after_demo);
  ASSERT_EQ(c.warning_count, 2u);
  EXPECT_STREQ(c.warnings[0], "'telemetry=maybe': telemetry= takes on, off or polled; ignored");
}

TEST(Cmdline, DemoPaceIsAPercentageOfThePauses) {
  EXPECT_EQ(parse_cmdline("demo=mm").demo_pace, 100u);
  EXPECT_EQ(parse_cmdline("demo_pace=10").demo_pace, 10u);
  EXPECT_EQ(parse_cmdline("demo_pace=1000").demo_pace, 1000u);
  for (const char* bad :
       {"demo_pace=0", "demo_pace=1001", "demo_pace=-5", "demo_pace=ten", "demo_pace"}) {
    Cmdline c = parse_cmdline(bad);
    EXPECT_EQ(c.demo_pace, 100u) << bad;
    ASSERT_EQ(c.warning_count, 1u) << bad;
    EXPECT_NE(std::string(c.warnings[0]).find("demo_pace= takes a percentage 1..1000"),
              std::string::npos)
        << c.warnings[0];
  }
}

TEST(Cmdline, RamdiskSizeAndInjectedFailures) {
  Cmdline none = parse_cmdline("demo=block");
  EXPECT_EQ(none.ramdisk_kib, 0u);
  EXPECT_EQ(none.ramdisk_fail, 0u);
  Cmdline c = parse_cmdline("ramdisk=1024 ramdisk.fail=3");
  EXPECT_EQ(c.ramdisk_kib, 1024u);
  EXPECT_EQ(c.ramdisk_fail, 3u);
  EXPECT_EQ(c.warning_count, 0u);
  for (const char* bad : {"ramdisk=0", "ramdisk=-1", "ramdisk=4M", "ramdisk", "ramdisk.fail=x"}) {
    Cmdline b = parse_cmdline(bad);
    EXPECT_EQ(b.ramdisk_kib, 0u) << bad;
    EXPECT_EQ(b.ramdisk_fail, 0u) << bad;
    ASSERT_EQ(b.warning_count, 1u) << bad;
    EXPECT_NE(std::string(b.warnings[0]).find("takes a whole number >= 1"), std::string::npos)
        << b.warnings[0];
  }
}

TEST(Cmdline, LaterValueWins) {
  Cmdline c = parse_cmdline("panic=exit panic=halt ktest=a ktest=b");
  EXPECT_FALSE(c.panic_exit);
  EXPECT_STREQ(c.ktest, "b");
}

TEST(Cmdline, UnknownOptionWarnsAndIsIgnored) {
  Cmdline c = parse_cmdline("bogus=1 quiet frobnicate");
  EXPECT_TRUE(c.quiet);
  ASSERT_EQ(c.warning_count, 2u);
  EXPECT_STREQ(c.warnings[0], "unknown option 'bogus=1' ignored");
  EXPECT_STREQ(c.warnings[1], "unknown option 'frobnicate' ignored");
}

TEST(Cmdline, FlagGivenAValueIsUnknown) {
  Cmdline c = parse_cmdline("quiet=yes");
  EXPECT_FALSE(c.quiet);
  ASSERT_EQ(c.warning_count, 1u);
  EXPECT_STREQ(c.warnings[0], "unknown option 'quiet=yes' ignored");
}

TEST(Cmdline, MissingValueWarns) {
  Cmdline c = parse_cmdline("ktest= demo");
  EXPECT_STREQ(c.ktest, "");
  EXPECT_STREQ(c.demo, "");
  ASSERT_EQ(c.warning_count, 2u);
  EXPECT_STREQ(c.warnings[0], "option 'ktest=' needs a value; ignored");
  EXPECT_STREQ(c.warnings[1], "option 'demo' needs a value; ignored");
}

TEST(Cmdline, BadPanicValueWarns) {
  Cmdline c = parse_cmdline("panic=reboot");
  EXPECT_FALSE(c.panic_exit);
  ASSERT_EQ(c.warning_count, 1u);
  EXPECT_STREQ(c.warnings[0], "'panic=reboot': panic= takes halt or exit; ignored");
}

TEST(Cmdline, OverlongValueIsRejectedNotTruncated) {
  std::string longv(Cmdline::kValueMax, 'x');
  Cmdline c = parse_cmdline(("ktest=" + longv).c_str());
  EXPECT_STREQ(c.ktest, "");
  ASSERT_EQ(c.warning_count, 1u);
  EXPECT_NE(std::string(c.warnings[0]).find("too long"), std::string::npos);
  // One below the limit still fits.
  std::string fits(Cmdline::kValueMax - 1, 'y');
  Cmdline d = parse_cmdline(("ktest=" + fits).c_str());
  EXPECT_EQ(std::string(d.ktest), fits);
}

TEST(Cmdline, ManyWarningsAreCountedNotOverflowed) {
  std::string text;
  for (int i = 0; i < 20; ++i) text += "junk" + std::to_string(i) + " ";
  Cmdline c = parse_cmdline(text.c_str());
  EXPECT_EQ(c.warning_count, Cmdline::kMaxWarnings);
  EXPECT_EQ(c.dropped_warnings, 20u - Cmdline::kMaxWarnings);
}

TEST(Cmdline, HugeUnknownTokenWarningIsBounded) {
  std::string huge(5000, 'z');
  Cmdline c = parse_cmdline(huge.c_str());
  ASSERT_EQ(c.warning_count, 1u);
  EXPECT_LT(std::string(c.warnings[0]).size(), Cmdline::kWarningMax);
}

}  // namespace
}  // namespace glass
