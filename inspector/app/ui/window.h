// Window: the GLFW window, its OpenGL 3 context and the ImGui context, owned together because
// they live and die together (ImGui's backends hold the window pointer).
//
// Invariants:
//  - open() either returns a window with a current GL context, an ImGui context, the theme and
//    fonts for the chosen scale, or false with a sentence (no display, no GL 3.3).
//  - A hidden window (headless: screenshots, benchmarks) renders into its back buffer exactly as
//    a shown one; read_pixels() reads that buffer before the swap.
//  - The framebuffer size is clamped to at least 1x1 everywhere it is used, so a window dragged
//    to nothing or minimised never produces a negative or zero-sized layout.
//  - wait() reports every input and window event (keys, buttons, motion, scroll, text, focus,
//    size, expose) seen while it slept, so a window that draws only on change misses none.
//  - Move-only by construction (not copyable); the destructor tears down in reverse order.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

struct GLFWwindow;

namespace glass::inspector::app {

struct WindowSpec {
  uint32_t width = 1280, height = 800;
  bool visible = true;
  bool vsync = true;
  float scale = 0;  // 0: the monitor's content scale
  std::string title = "glass-inspect";
};

class Window {
 public:
  Window() = default;
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;
  ~Window();

  [[nodiscard]] bool open(const WindowSpec& spec, std::string& error);
  [[nodiscard]] bool should_close() const;
  // Sleeps until an input or window event (true) or timeout_s passed (false): what an idle
  // window does instead of drawing. The events are handled as by begin_frame().
  [[nodiscard]] bool wait(double timeout_s);
  // Polls input and starts an ImGui frame.
  void begin_frame();
  // Renders ImGui's draw data over a cleared framebuffer (does not swap).
  void render();
  void swap();
  // Waits for the GPU to finish (benchmarks measure whole frames).
  void finish();
  // The framebuffer as RGBA, top row first.
  [[nodiscard]] std::vector<uint8_t> read_pixels(uint32_t& width, uint32_t& height);
  [[nodiscard]] float scale() const { return scale_; }
  [[nodiscard]] GLFWwindow* handle() const { return win_; }

 private:
  GLFWwindow* win_ = nullptr;
  bool imgui_ = false;
  float scale_ = 1.0f;
};

}  // namespace glass::inspector::app
