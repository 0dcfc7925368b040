// PNG files from RGBA pixels (libpng): how headless mode saves a screenshot.
//
// Invariants: rows are given top row first, 4 bytes per pixel; the file is written whole or not
// at all (a temporary file renamed into place), and every failure is a sentence naming the path.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace glass::inspector::app {

[[nodiscard]] bool write_png(const std::string& path, uint32_t width, uint32_t height,
                             const std::vector<uint8_t>& rgba, std::string& error);

// Reads an RGBA (or RGB) 8-bit PNG back; for tests. Pixels are returned as RGBA, top row first.
[[nodiscard]] bool read_png(const std::string& path, uint32_t& width, uint32_t& height,
                            std::vector<uint8_t>& rgba, std::string& error);

// OpenGL's glReadPixels gives the bottom row first; PNG wants the top row first.
void flip_rows(std::vector<uint8_t>& rgba, uint32_t width, uint32_t height);

}  // namespace glass::inspector::app
