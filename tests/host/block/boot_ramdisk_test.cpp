// The boot ramdisk's refusals (block/boot_ramdisk.h): the sizes and failure counts the command
// line may carry that it must refuse with kInvalidArgument, changing nothing (no frame taken, and
// the one open a boot has still unused). A successful open lives to the end of the boot, so it is
// exercised in the kernel (ktest block.boot_ramdisk, booted by the e2e layer with ramdisk=).
#include "block/boot_ramdisk.h"

#include <gtest/gtest.h>

#include "tests/host/block/block_fixture.h"

namespace glass::block::testing {
namespace {

using BootRamdisk = BlockTest;

TEST_F(BootRamdisk, BadSizesAndFailureCountsAreRefusedAndChangeNothing) {
  const uint64_t free_before = mm::free_frames();
  EXPECT_EQ(open_boot_ramdisk(0, 0).error(), Error::kInvalidArgument);
  EXPECT_EQ(open_boot_ramdisk(kBootRamdiskMaxKib + 1, 0).error(), Error::kInvalidArgument);
  EXPECT_EQ(open_boot_ramdisk(~uint64_t{0}, 0).error(), Error::kInvalidArgument);
  EXPECT_EQ(open_boot_ramdisk(64, uint64_t{1} << 32).error(), Error::kInvalidArgument);
  EXPECT_EQ(mm::free_frames(), free_before);
  EXPECT_EQ(block_buffer_frames(kOwnerBootRamdisk), 0u);
  EXPECT_EQ(boot_ramdisk().error(), Error::kNotFound);  // none opened, and one may still be
  EXPECT_EQ(boot_ramdisk_driver().error(), Error::kNotFound);
}

}  // namespace
}  // namespace glass::block::testing
