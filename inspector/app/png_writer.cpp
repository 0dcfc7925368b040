// PNG writing with libpng's simplified API (png_image_*): no setjmp/longjmp in our code, and
// errors come back as a message in png_image.message.
#include "inspector/app/png_writer.h"

#include <png.h>
#include <stdio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace glass::inspector::app {

bool write_png(const std::string& path, uint32_t width, uint32_t height,
               const std::vector<uint8_t>& rgba, std::string& error) {
  if (width == 0 || height == 0 || rgba.size() != size_t{width} * height * 4) {
    error = "cannot write " + path + ": " + std::to_string(width) + "x" + std::to_string(height) +
            " image with " + std::to_string(rgba.size()) + " bytes of pixels";
    return false;
  }
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = width;
  img.height = height;
  img.format = PNG_FORMAT_RGBA;
  const std::string tmp = path + ".tmp";
  if (!png_image_write_to_file(&img, tmp.c_str(), 0, rgba.data(), 0, nullptr)) {
    error = "cannot write " + path + ": " + img.message;
    png_image_free(&img);
    ::remove(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    ::remove(tmp.c_str());
    return false;
  }
  return true;
}

bool read_png(const std::string& path, uint32_t& width, uint32_t& height,
              std::vector<uint8_t>& rgba, std::string& error) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path.c_str())) {
    error = "cannot read " + path + ": " + img.message;
    png_image_free(&img);
    return false;
  }
  img.format = PNG_FORMAT_RGBA;
  rgba.assign(PNG_IMAGE_SIZE(img), 0);
  if (!png_image_finish_read(&img, nullptr, rgba.data(), 0, nullptr)) {
    error = "cannot read " + path + ": " + img.message;
    png_image_free(&img);
    return false;
  }
  width = img.width;
  height = img.height;
  return true;
}

void flip_rows(std::vector<uint8_t>& rgba, uint32_t width, uint32_t height) {
  const size_t row = size_t{width} * 4;
  if (rgba.size() < row * height) return;
  for (uint32_t y = 0; y < height / 2; ++y)
    std::swap_ranges(rgba.begin() + static_cast<long>(y * row),
                     rgba.begin() + static_cast<long>((y + 1) * row),
                     rgba.begin() + static_cast<long>((height - 1 - y) * row));
}

}  // namespace glass::inspector::app
