// The inspector's data path at the size the issue sets: the real mm on the host (HostKernel) with
// 1,048,576 frames (4 GiB) maps 100,000 4 KiB pages through cursors of 512 pages. `--write-trace
// OUT.glt` writes that trace for `./glass bench inspector` to replay in glass-inspect under Xvfb
// (frame times, peak memory); the Google Benchmark cases measure the GUI-free parts on it: decoding
// and applying every event, and rendering the whole frame map into cells.
//
// `--idle-cpu SECONDS READY -- CMD ARGS...` measures what an idle inspector costs: it starts CMD
// (glass-inspect showing a replay, or attached with nothing arriving), waits for the line
// containing READY on its stdout and one more second for the window to settle, then reads the
// child's CPU time (user + sys, /proc/PID/stat) before and after SECONDS of wall time, stops it
// with SIGTERM and prints `BENCH idle_cpu_s C wall_s W`. The child keeps running on its own:
// only its own CPU time is counted, not Xvfb's (the display's cost follows the app's frames).
#include <benchmark/benchmark.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
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

std::vector<uint8_t> make_stream(uint64_t frames = kFrames, uint32_t pages = kPages) {
  gi::HostKernel k(frames, 11);
  k.handshake();
  // A boot-like frame table comes from mm's own boot (reserved, kernel image, frame table);
  // slabs on top, allocated through the buddy.
  for (int i = 0; i < 4; ++i) k.alloc_frames(9);
  const uint32_t as = k.create_address_space();
  k.snapshot();
  for (uint32_t done = 0; done < pages; done += 512) {
    const uint32_t n = std::min<uint32_t>(512, pages - done);
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

// The child's CPU time so far (user + sys) in seconds, from /proc/PID/stat; -1 if unreadable.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after its closing parenthesis;
  // utime and stime are fields 14 and 15, i.e. the 12th and 13th after the state (field 3).
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Reads the child's stdout (echoing it) until a line holds `ready` or timeout_s passes.
bool wait_for_line(int fd, const std::string& ready, double timeout_s) {
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::duration<double>(timeout_s);
  std::string buf;
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;  // the child closed its stdout: it ended
    buf.append(chunk, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      const std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      std::printf("  %s\n", line.c_str());
      if (line.find(ready) != std::string::npos) return true;
    }
  }
  return false;
}

int idle_cpu(double seconds, const std::string& ready, char** cmd) {
  int out[2];
  if (::pipe(out) != 0) return 1;
  const pid_t pid = ::fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[0]);
    ::execv(cmd[0], cmd);
    std::fprintf(stderr, "inspector_bench: cannot run %s: %s\n", cmd[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(out[1]);
  int status = 0;
  if (!wait_for_line(out[0], ready, 600)) {
    std::fprintf(stderr, "inspector_bench: %s never printed '%s'\n", cmd[0], ready.c_str());
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds(pid);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const double c1 = cpu_seconds(pid);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::kill(pid, SIGTERM);
  ::waitpid(pid, &status, 0);
  ::close(out[0]);
  if (c0 < 0 || c1 < 0) {
    std::fprintf(stderr, "inspector_bench: cannot read /proc/%d/stat\n", static_cast<int>(pid));
    return 1;
  }
  std::printf("BENCH idle_cpu_s %.3f wall_s %.3f\n", c1 - c0, wall);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 6 && std::strcmp(argv[1], "--idle-cpu") == 0 && std::strcmp(argv[4], "--") == 0)
    return idle_cpu(std::strtod(argv[2], nullptr), argv[3], argv + 5);
  // --write-trace OUT [FRAMES PAGES]: the default size, or another (the 16 GiB case).
  if ((argc == 3 || argc == 5) && std::strcmp(argv[1], "--write-trace") == 0) {
    const uint64_t frames = argc == 5 ? std::strtoull(argv[3], nullptr, 10) : kFrames;
    const uint32_t pages =
        argc == 5 ? static_cast<uint32_t>(std::strtoul(argv[4], nullptr, 10)) : kPages;
    if (frames < 2048 || pages == 0 || pages > frames / 2) {
      std::fprintf(stderr,
                   "inspector_bench: --write-trace wants FRAMES >= 2048 and PAGES in "
                   "1..FRAMES/2\n");
      return 2;
    }
    const std::vector<uint8_t> bytes =
        argc == 5 ? make_stream(frames, pages) : std::vector<uint8_t>(stream());
    std::string err;
    if (!gi::write_trace(argv[2], bytes, err)) {
      std::fprintf(stderr, "inspector_bench: %s\n", err.c_str());
      return 1;
    }
    std::printf("wrote %s: %zu bytes, %llu frames, %u mapped 4 KiB pages\n", argv[2], bytes.size(),
                static_cast<unsigned long long>(frames), pages);
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
