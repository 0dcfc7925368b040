// glass-inspect: the inspector's desktop app (Dear ImGui on GLFW + OpenGL 3). Attaches to a
// kernel's telemetry socket or replays a .glt trace; see docs/inspector.md.
//
// Invariants: bad arguments print one line and the usage on stderr and exit 2; --help prints the
// usage on stdout and exits 0; everything else is InspectorApp's (0 done, 1 a runtime failure);
// an exception is a bug, and still ends as one line and exit 1, never an abort.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "inspector/app/options.h"
#include "inspector/app/ui/inspector_app.h"

namespace ga = glass::inspector::app;

namespace {
int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(ga::kUsage, stdout);
      return 0;
    }
  ga::Options o;
  std::string error;
  if (!ga::parse_options(args, o, error)) {
    std::fprintf(stderr, "glass-inspect: %s\n%s", error.c_str(), ga::kUsage);
    return 2;
  }
  ga::InspectorApp app(std::move(o));
  return app.run();
}
}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "glass-inspect: internal error: %s\n", e.what());
    return 1;
  }
}
