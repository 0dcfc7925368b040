// UnixSocket. Why poll() before read(): record must notice its deadline and Ctrl-C even when the
// kernel is silent.
#include "inspector/trace/unix_socket.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace glass::inspector {

UnixSocket::~UnixSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool UnixSocket::connect(const std::string& path, std::string& error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    error = "socket path too long (" + std::to_string(path.size()) + " bytes): " + path;
    return false;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error = std::string("socket(): ") + std::strerror(errno);
    return false;
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = "cannot connect to " + path + ": " + std::strerror(errno) +
            " (is the kernel running with telemetry? `./glass run` serves COM2 there)";
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

bool UnixSocket::write_all(const uint8_t* p, size_t n, std::string& error) {
  while (n > 0) {
    ssize_t w = ::send(fd_, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      error = std::string("write to socket: ") + std::strerror(errno);
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

long UnixSocket::read_some(uint8_t* p, size_t cap, int timeout_ms, std::string& error) {
  pollfd pfd{fd_, POLLIN, 0};
  int r = ::poll(&pfd, 1, timeout_ms);
  if (r < 0) {
    if (errno == EINTR) return 0;
    error = std::string("poll: ") + std::strerror(errno);
    return -2;
  }
  if (r == 0) return 0;
  ssize_t n = ::read(fd_, p, cap);
  if (n < 0) {
    if (errno == EINTR) return 0;
    error = std::string("read from socket: ") + std::strerror(errno);
    return -2;
  }
  return n == 0 ? -1 : n;
}

}  // namespace glass::inspector
