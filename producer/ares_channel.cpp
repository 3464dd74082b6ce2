#include "producer/ares_channel.h"

#include <stdexcept>

namespace webmon::producer {

AresLibrary::AresLibrary() {
  if (const int status = ares_library_init(ARES_LIB_INIT_ALL); status != ARES_SUCCESS) {
    throw std::runtime_error(std::string("ares_library_init failed: ") + ares_strerror(status));
  }
}

AresLibrary::~AresLibrary() { ares_library_cleanup(); }

AresChannel::AresChannel(const Settings& settings) {
  ares_options options{};
  options.sock_state_cb = onSocketState;
  options.sock_state_cb_data = this;
  int mask = ARES_OPT_SOCK_STATE_CB;
  if (settings.try_timeout_ms > 0) {
    options.timeout = settings.try_timeout_ms;
    mask |= ARES_OPT_TIMEOUTMS;
  }
  if (settings.tries > 0) {
    options.tries = settings.tries;
    mask |= ARES_OPT_TRIES;
  }
  if (settings.report_server_errors) {
    options.flags = ARES_FLAG_NOCHECKRESP;
    mask |= ARES_OPT_FLAGS;
  }
  if (const int status = ares_init_options(&handle_, &options, mask); status != ARES_SUCCESS) {
    throw std::runtime_error(std::string("ares_init_options failed: ") + ares_strerror(status));
  }
  if (!settings.servers.empty()) {
    if (const int status = ares_set_servers_ports_csv(handle_, settings.servers.c_str());
        status != ARES_SUCCESS) {
      ares_destroy(handle_);
      throw std::runtime_error("dns server " + settings.servers + ": " + ares_strerror(status));
    }
  }
}

AresChannel::~AresChannel() { ares_destroy(handle_); }

void AresChannel::onSocketState(void* data, ares_socket_t fd, int readable, int writable) {
  auto* channel = static_cast<AresChannel*>(data);
  if (readable == 0 && writable == 0) {
    channel->sockets_.erase(fd);
  } else {
    channel->sockets_[fd] = {readable != 0, writable != 0};
  }
}

void AresChannel::addWaits(std::vector<WaitFd>& waits) const {
  for (const auto& [fd, wanted] : sockets_) {
    waits.push_back(WaitFd{fd, wanted.first, wanted.second});
  }
}

void AresChannel::process(const std::vector<WaitFd>& waits) {
  for (const auto& wait : waits) {
    if (!wait.ready_read && !wait.ready_write) continue;
    if (sockets_.count(wait.fd) == 0) continue;
    ares_process_fd(handle_, wait.ready_read ? wait.fd : ARES_SOCKET_BAD,
                    wait.ready_write ? wait.fd : ARES_SOCKET_BAD);
  }
  // With no socket ready this runs c-ares' own timers: retries, and giving up.
  ares_process_fd(handle_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

std::chrono::milliseconds AresChannel::nextWake(std::chrono::milliseconds cap) const {
  timeval max{static_cast<time_t>(cap.count() / 1000),
              static_cast<suseconds_t>((cap.count() % 1000) * 1000)};
  timeval next{};
  const timeval* until = ares_timeout(handle_, &max, &next);
  if (until == nullptr) return cap;
  return std::min(cap,
                  std::chrono::milliseconds(until->tv_sec * 1000 + (until->tv_usec + 999) / 1000));
}

}  // namespace webmon::producer
