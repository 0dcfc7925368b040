// A connected unix-domain stream socket: how glass-trace attaches to QEMU's COM2 chardev.
//
// Invariants: the descriptor is owned (closed by the destructor, move-only); every failure comes
// back as a sentence naming the path and the system's reason; writes retry short writes and EINTR.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>

namespace glass::inspector {

class UnixSocket {
 public:
  UnixSocket() = default;
  UnixSocket(UnixSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  UnixSocket& operator=(UnixSocket&&) = delete;
  UnixSocket(const UnixSocket&) = delete;
  ~UnixSocket();

  [[nodiscard]] bool connect(const std::string& path, std::string& error);
  [[nodiscard]] bool write_all(const uint8_t* p, size_t n, std::string& error);
  // Wait up to timeout_ms for bytes. Returns bytes read, 0 on timeout, -1 on end of stream,
  // -2 on error (error set).
  [[nodiscard]] long read_some(uint8_t* p, size_t cap, int timeout_ms, std::string& error);

 private:
  int fd_ = -1;
};

}  // namespace glass::inspector
