// A tap on the host kernel (the real mm on the host)'s output for the trace tests: each next()
// returns the bytes the kernel emitted since the last call, as a socket read would deliver them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "inspector/trace/host_kernel.h"

namespace glass::inspector::testing {

struct Tap {
  HostKernel& k;
  size_t sent = 0;
  std::vector<uint8_t> next() {
    auto all = k.take_bytes();
    std::vector<uint8_t> out(all.begin() + static_cast<long>(sent), all.end());
    sent = all.size();
    return out;
  }
};

}  // namespace glass::inspector::testing
