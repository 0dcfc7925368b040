// Navigation (issue 16): whatever sequence of steps, jumps, scrubs, play and clicks a student
// makes, every frame draws the state at the event it shows. The test drives AppState — the object
// glass-inspect's window draws from — in the window's own order (top of frame, panel clicks
// during the frame, then the views draw), and compares the drawn model (digest) and the tree's
// entry count with a fresh replay to the event shown (an independent StateModel applied in order,
// not the timeline), for 10,000 random frames (about as many navigations) over the traces. The seed
// is printed, and replayed with GLASS_TEST_SEED.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>

#include "inspector/app/app_state.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/trace_file.h"
#include "tests/host/lib/test_seed.h"
#include "tests/host/telemetry/telemetry_test_support.h"

namespace glass::inspector::app {
namespace {

// A trace with cursors holding locks while entries change, and one cursor waiting for another.
std::string write_contended(uint64_t seed) {
  HostKernel k(4096 + 40 * 80, seed);
  k.handshake();
  const uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 300, 0);
  k.snapshot();
  k.random_activity(40);
  // The random mappings may reach the contended range (seed 19 did: "map: already exists").
  k.unmap(as, 0x800000, 48);
  k.contend(as, 0x800000, 24);
  k.random_activity(40);
  k.send_digest();
  k.flush();
  const auto path = ::testing::TempDir() + "glass_nav_" + std::to_string(::getpid()) + ".glt";
  std::string err;
  EXPECT_TRUE(write_trace(path, k.take_bytes(), err)) << err;
  return path;
}

// What a fresh replay to each event draws: the digest and each address space's entry count.
struct Expected {
  telemetry::Digest digest;
  std::map<uint32_t, size_t> entries;
};

std::vector<Expected> fresh_replay(const std::vector<StreamItem>& items) {
  std::vector<Expected> out;
  out.reserve(items.size());
  StateModel m;
  view::TreeRows rows;
  for (const StreamItem& it : items) {
    m.apply(it);
    Expected e{m.digest(), {}};
    for (const auto& [asid, as] : m.address_spaces()) {
      rows.rebuild(m, asid);
      e.entries[asid] = rows.total_rows();
    }
    out.push_back(std::move(e));
  }
  return out;
}

// The drawn state against the fresh replay at the event the frame shows.
::testing::AssertionResult drawn_matches(AppState& s, const std::vector<Expected>& want,
                                         size_t step) {
  const size_t pos = s.nav().position();
  if (pos >= want.size())
    return ::testing::AssertionFailure()
           << "step " << step << ": position " << pos << " of " << want.size();
  const Expected& w = want[pos];
  if (!(s.model().digest() == w.digest))
    return ::testing::AssertionFailure() << "step " << step << ": the model drawn at event " << pos
                                         << " is not a fresh replay's (digest differs)";
  const auto it = w.entries.find(s.ui.asid);
  const size_t entries = it == w.entries.end() ? 0 : it->second;
  if (s.tree.rows().total_rows() != entries || s.tree.built_gen() != s.ui.model_gen)
    return ::testing::AssertionFailure()
           << "step " << step << ": event " << pos << " of address space " << s.ui.asid
           << " drawn with " << s.tree.rows().total_rows() << " entries, a fresh replay has "
           << entries << " (tree built for generation " << s.tree.built_gen() << ", frame "
           << s.ui.model_gen << ")";
  return ::testing::AssertionSuccess();
}

constexpr telemetry::MsgType kJumpTypes[] = {
    telemetry::MsgType::kCursorBegin, telemetry::MsgType::kLockAcquired,
    telemetry::MsgType::kLockWaiting, telemetry::MsgType::kEntries,
    telemetry::MsgType::kSnapshotEnd, telemetry::MsgType::kDigest,
};

void drive(const std::string& path, uint64_t seed, int steps) {
  auto src = std::make_unique<ReplaySource>();
  std::string err;
  ASSERT_TRUE(src->open(path, err)) << err;
  const size_t n = src->event_count();
  ASSERT_GT(n, 20u);
  std::vector<StreamItem> items;
  for (size_t i = 0; i < n; ++i) items.push_back(src->timeline().item(i));
  const auto want = fresh_replay(items);
  AppState s(std::move(src));
  std::mt19937_64 rng(seed);
  double now = 0;
  size_t expect_pos = 0;        // where the navigations asked so far lead (play aside)
  bool expect_playing = false;  // after the requests made so far
  s.begin_frame(0, now);
  ASSERT_EQ(s.nav().position(), 0u) << "a replay opens at its first event";
  for (int step = 0; step < steps; ++step) {
    // The top of the frame: what the window does first.
    const double dt = std::uniform_int_distribution<int>(0, 3)(rng) == 0 ? 0.3 : 0.016;
    now += dt;
    s.begin_frame(dt, now);
    const size_t pos = s.nav().position();
    if (expect_playing) {
      // Playback moves on from where the requests led, never back.
      ASSERT_GE(pos, expect_pos) << "step " << step << ": playing moved backwards";
      expect_pos = pos;
      expect_playing = s.nav().playing();  // it stops at the last event
    }
    ASSERT_EQ(pos, expect_pos) << "step " << step << ": the navigation asked went elsewhere";
    ASSERT_TRUE(drawn_matches(s, want, step));
    // During the frame: clicks in the header's strip, the timeline and the locks list. None may
    // change what this frame draws.
    const int clicks = std::uniform_int_distribution<int>(0, 2)(rng);
    for (int c = 0; c < clicks; ++c) {
      switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
        case 0:
        case 1:
        case 2:
          s.request(NavRequest::step(1));
          expect_pos = std::min(expect_pos + 1, n - 1);
          break;
        case 3:
        case 4:
          s.request(NavRequest::step(-1));
          expect_pos = expect_pos > 0 ? expect_pos - 1 : 0;
          break;
        case 5: {
          const size_t to = std::uniform_int_distribution<size_t>(0, n + 5)(rng);
          s.request(NavRequest::seek(to));
          expect_pos = std::min(to, n - 1);
          break;
        }
        case 6: {
          const auto t =
              kJumpTypes[std::uniform_int_distribution<size_t>(0, std::size(kJumpTypes) - 1)(rng)];
          s.request(NavRequest::jump_next(t));
          for (size_t i = expect_pos + 1; i < n; ++i)
            if (items[i].kind == StreamItem::Kind::kEvent && items[i].event.ev.type == t) {
              expect_pos = i;
              break;
            }
          break;
        }
        case 7:
          s.request(NavRequest::set_rate(std::uniform_int_distribution<int>(1, 400)(rng)));
          expect_playing = !expect_playing;
          s.request(NavRequest::play(expect_playing));
          break;
        case 8: {
          // The locks list: a click on a cursor row picks its address space and reveals its
          // range in the tree beside the list.
          const auto& cursors = s.model().cursors();
          if (cursors.empty()) break;
          const Cursor& cur = cursors.begin()->second;
          s.ui.asid = cur.asid;
          s.ui.asid_chosen = true;
          s.ui.reveal_va = cur.va_start;
          break;
        }
        default: {
          // The address-space selector in the header.
          const auto& spaces = s.model().address_spaces();
          if (spaces.empty()) break;
          auto it = spaces.begin();
          std::advance(it, std::uniform_int_distribution<size_t>(0, spaces.size() - 1)(rng));
          s.ui.asid = it->first;
          s.ui.asid_chosen = true;
          break;
        }
      }
    }
    // Then the views draw: the tree panel first brings its rows to the frame's model.
    (void)s.tree_for_frame(now);
    ASSERT_TRUE(drawn_matches(s, want, step)) << "(after the views drew)";
  }
}

TEST(Navigation, EveryFrameDrawsTheStateAtTheEventShown) {
  const uint64_t seed = glass::testing::test_seed();
  GLASS_SEED_TRACE(seed);
  // 10,000 frames in all, shared by the traces (under ASan a frame of the real trace costs
  // ~0.7 ms: its kernel tree has ~2,500 entries and every move rebuilds them).
  constexpr int kFrames = 10'000;
  std::vector<std::string> traces;
  for (const auto& e : std::filesystem::directory_iterator(testing::golden_dir()))
    if (e.path().extension() == ".glt") traces.push_back(e.path().string());
  ASSERT_FALSE(traces.empty()) << testing::golden_dir();
  const std::string contended = write_contended(seed);
  traces.push_back(contended);
  const int per_trace =
      (kFrames + static_cast<int>(traces.size()) - 1) / static_cast<int>(traces.size());
  int total = 0;
  for (size_t i = 0; i < traces.size(); ++i) {
    SCOPED_TRACE(traces[i]);
    const auto t0 = std::chrono::steady_clock::now();
    drive(traces[i], seed + i, per_trace);
    if (HasFatalFailure()) break;
    total += per_trace;
    std::fprintf(stderr, "[ steps    ] %d frames on %s in %.1f s, seed %llu\n", per_trace,
                 std::filesystem::path(traces[i]).filename().c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                 static_cast<unsigned long long>(seed));
  }
  std::fprintf(stderr, "[ steps    ] %d frames in all, seed %llu\n", total,
               static_cast<unsigned long long>(seed));
  EXPECT_GE(total, kFrames);
  std::remove(contended.c_str());
}

// Live: an epoch switch is a navigation like a step, applied at the next frame; data streaming
// into the epoch followed is a new generation but not a navigation (views may throttle it); a
// new boot arriving mid-run while following the latest is shown at the next frame.
TEST(Navigation, EpochSwitchesAndLiveDataGoThroughTheSamePath) {
  HostKernel k(4096, 3);
  k.handshake();
  const uint32_t as = k.create_address_space();
  k.map(as, 0x400000, 20, 0);
  k.snapshot();
  const auto first = testing::decode_all(k.take_bytes());
  k.map(as, 0x800000, 10, 0);
  const auto more = testing::decode_all(k.take_bytes());
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(more.empty());

  EpochList eps;
  Navigator nav(nullptr, &eps);
  nav.begin_frame(0);
  EXPECT_EQ(nav.model().node_count(), 0u) << "nothing attached yet: an empty model";
  Epoch& one = eps.on_boot(1);
  for (const auto& it : first) one.model.apply(it), ++one.events;
  const uint64_t g0 = nav.generation();
  nav.begin_frame(0);
  EXPECT_EQ(&nav.model(), &one.model) << "attached mid-run: the new epoch is shown";
  EXPECT_GT(nav.generation(), g0);
  EXPECT_FALSE(nav.navigated());

  Epoch& two = eps.on_boot(2);
  two.model.apply(first.front());
  ++two.events;
  nav.begin_frame(0);
  EXPECT_EQ(&nav.model(), &two.model) << "following the latest boot";

  nav.request(NavRequest::epoch(1));
  EXPECT_EQ(&nav.model(), &two.model) << "a request changes nothing before the next frame";
  const uint64_t g1 = nav.generation();
  nav.begin_frame(0);
  EXPECT_EQ(&nav.model(), &one.model);
  EXPECT_GT(nav.generation(), g1);
  EXPECT_TRUE(nav.navigated());
  const uint64_t g2 = nav.generation();
  nav.begin_frame(0);
  EXPECT_EQ(nav.generation(), g2) << "nothing changed: same generation, views keep their caches";

  for (const auto& it : more) two.model.apply(it), ++two.events;
  nav.begin_frame(0);
  EXPECT_EQ(nav.generation(), g2) << "data for an epoch not shown changes nothing drawn";
  nav.request(NavRequest::epoch(0));
  nav.begin_frame(0);
  EXPECT_EQ(&nav.model(), &two.model);
  EXPECT_TRUE(nav.navigated());
  const uint64_t g3 = nav.generation();
  for (const auto& it : first) two.model.apply(it), ++two.events;
  nav.begin_frame(0);
  EXPECT_GT(nav.generation(), g3);
  EXPECT_FALSE(nav.navigated()) << "live data streaming in is not a navigation";
}

}  // namespace
}  // namespace glass::inspector::app
