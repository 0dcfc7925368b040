// The inspector's data path at the size the issue sets: the real mm on the host (HostKernel) with
// 1,048,576 frames (4 GiB) maps 100,000 4 KiB pages through cursors of 512 pages. `--write-trace
// OUT.glt` writes that trace for `./glass bench inspector` to replay in glass-inspect under Xvfb
// (frame times, peak memory); the Google Benchmark cases measure the GUI-free parts on it: decoding
// and applying every event, and rendering the whole frame map into cells.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "inspector/model/state_model.h"
#include "inspector/model/stream_decoder.h"
#include "inspector/trace/host_kernel.h"
#include "inspector/trace/trace_file.h"
#include "inspector/view/frame_map.h"
#include "mm/phys/frame_kind.h"

namespace gi = glass::inspector;

namespace {

constexpr uint64_t kFrames = 1'048'576;
constexpr uint32_t kPages = 100'000;

std::vector<uint8_t> make_stream() {
  gi::HostKernel k(kFrames, 11);
  k.handshake();
  // A boot-like frame table comes from mm's own boot (reserved, kernel image, frame table);
  // slabs on top, allocated through the buddy.
  for (int i = 0; i < 4; ++i) k.alloc_frames(9);
  const uint32_t as = k.create_address_space();
  k.snapshot();
  for (uint32_t done = 0; done < kPages; done += 512) {
    const uint32_t n = std::min<uint32_t>(512, kPages - done);
    k.map(as, 0x400000ull + uint64_t{done} * 4096, n, static_cast<uint8_t>(done / 512 % 2));
  }
  k.send_digest();
  k.flush();
  return k.take_bytes();
}

const std::vector<uint8_t>& stream() {
  static const std::vector<uint8_t> s = make_stream();
  return s;
}

void BM_DecodeAndApplyTrace(benchmark::State& state) {
  const auto& s = stream();
  uint64_t events = 0;
  for (auto _ : state) {
    gi::StreamDecoder d;
    gi::StateModel m;
    std::vector<gi::StreamItem> items;
    d.feed(s.data(), s.size(), items);
    for (const auto& it : items) m.apply(it);
    events += items.size();
    benchmark::DoNotOptimize(m.digest());
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeAndApplyTrace)->Unit(benchmark::kMillisecond);

void BM_RenderWholeFrameMap(benchmark::State& state) {
  gi::StreamDecoder d;
  gi::StateModel m;
  std::vector<gi::StreamItem> items;
  d.feed(stream().data(), stream().size(), items);
  for (const auto& it : items) m.apply(it);
  // The frame map at 1600x1000 with 2-pixel cells: every frame in view.
  gi::view::FrameViewport vp{0, 0, 800, 500};
  vp.frames_per_cell = static_cast<double>(kFrames) / (800.0 * 500.0);
  std::vector<uint32_t> cells;
  for (auto _ : state) {
    gi::view::render_frame_map(m, vp, cells);
    benchmark::DoNotOptimize(cells.data());
  }
}
BENCHMARK(BM_RenderWholeFrameMap)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--write-trace") == 0) {
    std::string err;
    if (!gi::write_trace(argv[2], stream(), err)) {
      std::fprintf(stderr, "inspector_bench: %s\n", err.c_str());
      return 1;
    }
    std::printf("wrote %s: %zu bytes, %llu frames, %u mapped 4 KiB pages\n", argv[2],
                stream().size(), static_cast<unsigned long long>(kFrames), kPages);
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
