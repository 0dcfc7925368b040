// Seeds for randomized host tests: reproducible on demand, varied by default.
//
// Invariant: every randomized test takes its seed from test_seed() and names it with
// GLASS_SEED_TRACE (printed at the start and in every failure); GLASS_TEST_SEED=<n> replays it.
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <random>

namespace glass::testing {

[[nodiscard]] inline uint64_t test_seed() {
  if (const char* env = getenv("GLASS_TEST_SEED"); env != nullptr && *env != '\0') {
    return strtoull(env, nullptr, 0);
  }
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) | rd();
}

}  // namespace glass::testing

// Puts the seed (and how to replay it) into every failure message in the enclosing scope, and
// prints it up front too: a sanitizer abort or a crash ends the process before any trace shows.
#define GLASS_SEED_TRACE(seed)                                                           \
  fprintf(stderr, "[ seed     ] %llu (replay with GLASS_TEST_SEED=%llu)\n",              \
          static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed)); \
  SCOPED_TRACE(::testing::Message()                                                      \
               << "seed " << (seed) << " (replay with GLASS_TEST_SEED=" << (seed) << ")")
