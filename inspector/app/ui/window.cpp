// Window: see window.h. GLFW errors are collected by a callback into one string, so open() can
// say why (no DISPLAY, no GLX) instead of returning a bare false.
#include "inspector/app/ui/window.h"

#define GLFW_INCLUDE_NONE
#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>

#include "inspector/app/png_writer.h"
#include "inspector/app/ui/theme.h"

namespace glass::inspector::app {

namespace {
std::string g_glfw_error;
void on_glfw_error(int code, const char* what) {
  g_glfw_error = std::string(what) + " (GLFW error " + std::to_string(code) + ")";
}

// Set by any input or window event, cleared by wait(): how an idle window knows to draw again.
// ImGui's GLFW backend chains to the callbacks installed before it (keys, buttons, scroll,
// text, focus, enter); it installs none for motion, size or expose, so those are ours alone.
bool g_event = false;
void on_button(GLFWwindow*, int, int, int) {
  g_event = true;
}
void on_scroll(GLFWwindow*, double, double) {
  g_event = true;
}
void on_key(GLFWwindow*, int, int, int, int) {
  g_event = true;
}
void on_char(GLFWwindow*, unsigned int) {
  g_event = true;
}
void on_flag(GLFWwindow*, int) {
  g_event = true;
}
void on_motion(GLFWwindow*, double, double) {
  g_event = true;
}
void on_size(GLFWwindow*, int, int) {
  g_event = true;
}
void on_refresh(GLFWwindow*) {
  g_event = true;
}
}  // namespace

Window::~Window() {
  if (imgui_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (win_ != nullptr) glfwDestroyWindow(win_);
  glfwTerminate();
}

bool Window::open(const WindowSpec& spec, std::string& error) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    error = "cannot open a window: " + g_glfw_error +
            " (no display? set DISPLAY, or run under xvfb-run for screenshots)";
    return false;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_VISIBLE, spec.visible ? GLFW_TRUE : GLFW_FALSE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_FALSE);
  win_ = glfwCreateWindow(static_cast<int>(spec.width), static_cast<int>(spec.height),
                          spec.title.c_str(), nullptr, nullptr);
  if (win_ == nullptr) {
    error = "cannot create an OpenGL 3.3 window: " + g_glfw_error;
    return false;
  }
  glfwMakeContextCurrent(win_);
  glfwSwapInterval(spec.vsync ? 1 : 0);
  glfwSetWindowSizeLimits(win_, 1, 1, GLFW_DONT_CARE, GLFW_DONT_CARE);
  scale_ = spec.scale;
  if (scale_ <= 0) {
    float sx = 1, sy = 1;
    glfwGetWindowContentScale(win_, &sx, &sy);
    scale_ = std::clamp(std::max(sx, sy), 0.5f, 4.0f);
  }
  glfwSetMouseButtonCallback(win_, on_button);
  glfwSetScrollCallback(win_, on_scroll);
  glfwSetKeyCallback(win_, on_key);
  glfwSetCharCallback(win_, on_char);
  glfwSetWindowFocusCallback(win_, on_flag);
  glfwSetCursorEnterCallback(win_, on_flag);
  glfwSetWindowIconifyCallback(win_, on_flag);
  glfwSetCursorPosCallback(win_, on_motion);
  glfwSetFramebufferSizeCallback(win_, on_size);
  glfwSetWindowRefreshCallback(win_, on_refresh);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  imgui_ = true;
  apply_theme(scale_);
  if (!ImGui_ImplGlfw_InitForOpenGL(win_, true) || !ImGui_ImplOpenGL3_Init("#version 330")) {
    error = "cannot initialise ImGui's GLFW/OpenGL3 backends";
    return false;
  }
  return true;
}

bool Window::should_close() const {
  return glfwWindowShouldClose(win_) != 0;
}

bool Window::wait(double timeout_s) {
  g_event = false;
  if (timeout_s > 0)
    glfwWaitEventsTimeout(timeout_s);
  else
    glfwPollEvents();
  const bool seen = g_event || glfwWindowShouldClose(win_) != 0;
  g_event = false;
  return seen;
}

void Window::begin_frame() {
  glfwPollEvents();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void Window::render() {
  ImGui::Render();
  int w = 1, h = 1;
  glfwGetFramebufferSize(win_, &w, &h);
  glViewport(0, 0, std::max(w, 1), std::max(h, 1));
  glClearColor(0.07f, 0.08f, 0.10f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Window::swap() {
  glfwSwapBuffers(win_);
}

void Window::finish() {
  glFinish();
}

std::vector<uint8_t> Window::read_pixels(uint32_t& width, uint32_t& height) {
  int w = 1, h = 1;
  glfwGetFramebufferSize(win_, &w, &h);
  width = static_cast<uint32_t>(std::max(w, 1));
  height = static_cast<uint32_t>(std::max(h, 1));
  std::vector<uint8_t> px(size_t{width} * height * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, static_cast<GLsizei>(width), static_cast<GLsizei>(height), GL_RGBA,
               GL_UNSIGNED_BYTE, px.data());
  flip_rows(px, width, height);                           // GL's first row is the bottom one
  for (size_t i = 3; i < px.size(); i += 4) px[i] = 255;  // a screenshot is opaque
  return px;
}

}  // namespace glass::inspector::app
