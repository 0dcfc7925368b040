// One calibration window: a reference counter that counts down at a known rate (PIT channel 2)
// timed by the TSC, each end read with the TSC on both sides.
//
// Why brackets: under TCG the host can stop the virtual CPU at any instruction while the clocks
// (TSC, PIT, LAPIC timer: all QEMU's virtual clock) run on. Waiting for the PIT's terminal count
// and then reading the TSC (the old way) counted such a stall at the window's end as window time:
// one boot in 100 measured the TSC 4.9x too fast. Here a window is the time between two *reads*
// of the counter, each taken as the midpoint of the TSC before and after it; a stall in the middle
// of the window is harmless (both clocks saw it), and a stall inside a read shows as a wide
// bracket: the narrowest of a few reads is kept, and a window whose ends are still wide is marked
// not clean so the caller measures another.
//
// Invariants: header-only, no state, no allocation; the reference counter must not wrap within a
// window (the caller arms it with more counts than the window needs); `Env` supplies tsc(),
// count() (the reference, counting down) and other() (a second counter read inside the same
// bracket, e.g. the LAPIC timer's current count; return 0 when unused).
#pragma once

#include <stdint.h>

namespace glass {

struct BracketedRead {
  uint64_t tsc = 0;    // midpoint of the TSC before and after the read
  uint64_t width = 0;  // TSC ticks the read took
  uint32_t count = 0;  // the reference counter
  uint32_t other = 0;  // the second counter, read within the same bracket
};

// The narrowest of `tries` reads (tries >= 1).
template <typename Env>
BracketedRead read_bracketed(Env& env, unsigned tries) {
  BracketedRead best;
  best.width = ~uint64_t{0};
  for (unsigned i = 0; i < (tries == 0 ? 1 : tries); ++i) {
    const uint64_t a = env.tsc();
    const uint32_t count = env.count();
    const uint32_t other = env.other();
    const uint64_t b = env.tsc();
    if (b - a < best.width) best = BracketedRead{a + (b - a) / 2, b - a, count, other};
  }
  return best;
}

struct ReferenceWindow {
  uint64_t tsc_ticks = 0;    // between the two reads' midpoints
  uint32_t counts = 0;       // the reference counter's decrease over the same interval
  BracketedRead start, end;  // the two ends (other: the caller's second counter)
  bool clean = false;        // both brackets together under 1 % of the window (each midpoint
                             // then errs by 0.5 % at most; a stall lasts ms, a read µs)
};

// Waits until the reference has counted down at least `counts` since the window's first read.
template <typename Env>
ReferenceWindow measure_reference_window(Env& env, uint32_t counts, unsigned tries = 3) {
  ReferenceWindow w;
  w.start = read_bracketed(env, tries);
  do {
    w.end = read_bracketed(env, tries);
  } while (w.end.count <= w.start.count && w.start.count - w.end.count < counts);
  w.counts = w.start.count >= w.end.count ? w.start.count - w.end.count : 0;
  w.tsc_ticks = w.end.tsc - w.start.tsc;
  w.clean = w.counts > 0 && (w.start.width + w.end.width) * 100 <= w.tsc_ticks;
  return w;
}

}  // namespace glass
