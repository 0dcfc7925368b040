// Test support for mb2::parse: Blob (an exactly-sized heap copy, so ASan sees any read past
// readable_bytes) and summary() (print_summary into a std::string).
//
// Invariant: a Blob owns the bytes every pointer in its parse result points into; keep it alive
// as long as the BootInfo is used (ASan reports use-after-free otherwise).
#pragma once

#include <stdint.h>
#include <string.h>

#include <memory>
#include <string>
#include <vector>

#include "kernel/boot/multiboot2.h"

namespace glass::mb2::testing {

// The blob in an exactly-sized heap buffer, so ASan flags any read past readable_bytes.
class Blob {
 public:
  explicit Blob(const std::vector<uint8_t>& bytes, size_t misalign = 0)
      : storage_(new uint8_t[bytes.size() + misalign]), misalign_(misalign), size_(bytes.size()) {
    memcpy(storage_.get() + misalign, bytes.data(), bytes.size());
  }
  const uint8_t* data() const { return storage_.get() + misalign_; }
  size_t size() const { return size_; }
  Result<BootInfo> parse() const { return mb2::parse(data(), size_); }

 private:
  std::unique_ptr<uint8_t[]> storage_;
  size_t misalign_;
  size_t size_;
};

inline std::string summary(const BootInfo& info) {
  std::string out;
  print_summary(info, FormatSink{[](void* c, const char* s, size_t n) {
                                   static_cast<std::string*>(c)->append(s, n);
                                 },
                                 &out});
  return out;
}

}  // namespace glass::mb2::testing
