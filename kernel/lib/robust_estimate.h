// A measurement taken over several windows with outliers rejected: the median of k samples, each
// sample more than a tolerance away from the median thrown out, and the whole set taken again
// when too few agree. Used to calibrate clocks (TSC, LAPIC timer) against the PIT, where one
// window can be wildly off when the host deschedules the virtual CPU in the middle of it.
//
// Invariants: header-only and allocation-free (k <= kMaxSamples, on the stack); the result is the
// median of the samples that agree, so a single outlier can never move it; `ok` is false only
// when no round out of max_rounds had a majority within the tolerance (the caller then still gets
// the last round's median, and says the figure is not to be trusted).
#pragma once

#include <stdint.h>

namespace glass {

struct RobustEstimate {
  uint64_t value = 0;     // median of the agreeing samples of the last round
  unsigned samples = 0;   // samples taken in all rounds
  unsigned rejected = 0;  // of them, outliers beyond the tolerance
  unsigned rounds = 0;
  bool ok = false;  // a majority of the last round agreed
};

inline constexpr unsigned kRobustMaxSamples = 16;

// sample() returns one measurement; k samples per round (3 <= k <= kRobustMaxSamples), a sample
// agrees when it is within tolerance_ppm (parts per million) of the round's median.
template <typename F>
RobustEstimate robust_estimate(F&& sample, unsigned k, uint64_t tolerance_ppm,
                               unsigned max_rounds) {
  if (k < 3) k = 3;
  if (k > kRobustMaxSamples) k = kRobustMaxSamples;
  RobustEstimate e;
  for (unsigned round = 0; round < max_rounds; ++round) {
    uint64_t s[kRobustMaxSamples];
    for (unsigned i = 0; i < k; ++i) {
      const uint64_t v = sample();
      unsigned j = i;  // insertion sort: k is tiny
      for (; j > 0 && s[j - 1] > v; --j) s[j] = s[j - 1];
      s[j] = v;
    }
    e.samples += k;
    ++e.rounds;
    const uint64_t median = s[k / 2];
    const uint64_t tol =
        median / 1000000 * tolerance_ppm + median % 1000000 * tolerance_ppm / 1000000;
    unsigned first = k, last = 0, agree = 0;
    for (unsigned i = 0; i < k; ++i) {
      const uint64_t d = s[i] > median ? s[i] - median : median - s[i];
      if (d > tol) {
        ++e.rejected;
        continue;
      }
      if (first == k) first = i;
      last = i;
      ++agree;
    }
    // The agreeing samples are a contiguous run of the sorted ones around the median.
    e.value = s[first + (last - first) / 2];
    e.ok = agree * 2 > k;
    if (e.ok) break;
  }
  return e;
}

}  // namespace glass
