// FrameTexture: see frame_texture.h. IM_COL32 packs 0xAABBGGRR, which on a little-endian host is
// the byte sequence R, G, B, A: exactly GL_RGBA / GL_UNSIGNED_BYTE, so no conversion pass.
#include "inspector/app/ui/frame_texture.h"

#include <GL/gl.h>

#include <stddef.h>

#include <cstdint>

namespace glass::inspector::app {

static_assert(sizeof(uint32_t) == 4);

FrameTexture::~FrameTexture() {
  if (tex_ != 0) glDeleteTextures(1, &tex_);
}

void FrameTexture::upload(const std::vector<uint32_t>& rgba, uint32_t cols, uint32_t rows) {
  if (cols == 0 || rows == 0 || rgba.size() < size_t{cols} * rows) return;
  if (tex_ == 0) {
    glGenTextures(1, &tex_);
    glBindTexture(GL_TEXTURE_2D, tex_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  }
  glBindTexture(GL_TEXTURE_2D, tex_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  if (cols != cols_ || rows != rows_) {
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, static_cast<GLsizei>(cols), static_cast<GLsizei>(rows),
                 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
    cols_ = cols;
    rows_ = rows;
  } else {
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, static_cast<GLsizei>(cols), static_cast<GLsizei>(rows),
                    GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  }
}

void* FrameTexture::imgui_id() const {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(tex_));
}

}  // namespace glass::inspector::app
