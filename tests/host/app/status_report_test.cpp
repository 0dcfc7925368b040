// The window's status lines (what the e2e input tests read): one line per change, none when
// nothing changed.
#include "inspector/app/status_report.h"

#include <gtest/gtest.h>

namespace glass::inspector::app {
namespace {

TEST(StatusReport, OneLinePerChangeAndNoneWithout) {
  StatusReport r;
  StatusReport::Frame f;
  f.view = "tree";
  f.position = 0;
  f.layout["tab:tree"] = "40,60";
  EXPECT_EQ(r.changes(f),
            (std::vector<std::string>{"layout tab:tree=40,60", "view tree", "at event 0"}));
  EXPECT_TRUE(r.changes(f).empty());
  f.position = 3;
  f.view = "walk";
  f.walk = "va=0x400123 shown=0/6";
  EXPECT_EQ(r.changes(f),
            (std::vector<std::string>{"view walk", "at event 3", "walk va=0x400123 shown=0/6"}));
  f.help = true;
  f.tree = "va=0x400000 found=yes";
  EXPECT_EQ(r.changes(f), (std::vector<std::string>{"tree va=0x400000 found=yes", "help open"}));
  f.help = false;
  EXPECT_EQ(r.changes(f), (std::vector<std::string>{"help closed"}));
}

}  // namespace
}  // namespace glass::inspector::app
