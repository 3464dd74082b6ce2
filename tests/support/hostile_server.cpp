#include "tests/support/hostile_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

namespace webmon::testing {
namespace {

bool sendAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

bool sendText(int fd, const std::string& text) { return sendAll(fd, text.data(), text.size()); }

// Reads until the end of the request headers; returns the request path ("" on failure).
std::string readRequestPath(int fd) {
  std::string request;
  char buffer[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return "";
    request.append(buffer, static_cast<std::size_t>(got));
  }
  const auto first_space = request.find(' ');
  const auto second_space = request.find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos) return "";
  return request.substr(first_space + 1, second_space - first_space - 1);
}

}  // namespace

HostileServer::HostileServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listen_fd_, 1024) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("hostile server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

HostileServer::~HostileServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // wakes every blocked send/recv
  }
  for (auto& thread : connections_) thread.join();
}

void HostileServer::acceptLoop() {
  while (!stopping_) {
    pollfd item{listen_fd_, POLLIN, 0};
    if (::poll(&item, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    open_fds_.push_back(fd);
    connections_.emplace_back([this, fd] { serve(fd); });
  }
}

void HostileServer::serve(int fd) {
  const std::string path = readRequestPath(fd);
  if (path == "/silent") {
    while (!stopping_) {
      pollfd item{fd, POLLIN, 0};
      if (::poll(&item, 1, 100) > 0) {
        char byte;
        if (::recv(fd, &byte, 1, 0) <= 0) break;  // the client gave up
      }
    }
  } else if (path == "/drip-headers") {
    const std::string headers = "HTTP/1.1 200 OK\r\nX-Slow: " + std::string(4096, 'z');
    for (std::size_t i = 0; !stopping_ && i < headers.size(); ++i) {
      if (!sendAll(fd, &headers[i], 1)) break;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  } else if (path == "/endless") {
    if (sendText(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")) {
      const std::string chunk(64 * 1024, 'e');
      while (!stopping_ && sendText(fd, chunk)) {
      }
    }
  } else if (path == "/huge") {
    constexpr std::size_t kSize = 100 * 1024 * 1024;
    if (sendText(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kSize) + "\r\n\r\n")) {
      const std::string chunk(64 * 1024, 'h');
      for (std::size_t sent = 0; !stopping_ && sent < kSize; sent += chunk.size()) {
        if (!sendAll(fd, chunk.data(), std::min(chunk.size(), kSize - sent))) break;
      }
    }
  } else if (path == "/close-mid") {
    sendText(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(100, 'c'));
  } else if (path == "/redirect-loop") {
    sendText(fd,
             "HTTP/1.1 302 Found\r\nLocation: /redirect-loop\r\nContent-Length: 0\r\n"
             "Connection: close\r\n\r\n");
  } else {
    sendText(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  }
  std::lock_guard lock(mutex_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  ::close(fd);
}

}  // namespace webmon::testing
