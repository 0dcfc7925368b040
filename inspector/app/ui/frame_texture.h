// FrameTexture: the frame map's cells as one OpenGL texture (one texel per cell), so a million
// frames cost one textured quad per UI frame instead of a widget each.
//
// Invariants: owns one GL texture name (created on first upload, deleted by the destructor; needs
// the window's GL context current for both). The texture is re-specified only when the grid size
// changes and updated in place otherwise. Nearest filtering: cells stay crisp when magnified.
#pragma once

#include <stdint.h>

#include <vector>

namespace glass::inspector::app {

class FrameTexture {
 public:
  FrameTexture() = default;
  FrameTexture(const FrameTexture&) = delete;
  FrameTexture& operator=(const FrameTexture&) = delete;
  ~FrameTexture();

  // rgba: cols * rows texels in IM_COL32 order (little-endian RGBA bytes), row-major.
  void upload(const std::vector<uint32_t>& rgba, uint32_t cols, uint32_t rows);
  [[nodiscard]] void* imgui_id() const;  // for ImGui::Image
  [[nodiscard]] uint32_t cols() const { return cols_; }
  [[nodiscard]] uint32_t rows() const { return rows_; }

 private:
  unsigned tex_ = 0;
  uint32_t cols_ = 0, rows_ = 0;
};

}  // namespace glass::inspector::app
