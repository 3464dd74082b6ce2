#include "producer/reload_trigger.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace webmon::producer {
namespace {

// The self-pipe SIGHUP writes to: a signal handler may only call async-signal-safe functions.
int g_hangup_pipe[2] = {-1, -1};

extern "C" void onHangup(int) {
  const int saved_errno = errno;
  const char byte = 1;
  [[maybe_unused]] auto written = write(g_hangup_pipe[1], &byte, 1);
  errno = saved_errno;
}

bool drain(int fd) {
  char buffer[4096];
  bool any = false;
  while (read(fd, buffer, sizeof buffer) > 0) any = true;
  return any;
}

}  // namespace

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) close(fd_);
}
FileDescriptor::FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

ReloadTrigger::ReloadTrigger(const std::string& config_path, bool watch_file) {
  if (pipe2(g_hangup_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error(std::string("cannot create the SIGHUP pipe: ") + strerror(errno));
  }
  struct sigaction action {};
  action.sa_handler = onHangup;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &action, nullptr);
  if (!watch_file) return;

  const std::filesystem::path path = std::filesystem::absolute(config_path);
  file_name_ = path.filename().string();
  inotify_ = FileDescriptor(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (inotify_.get() < 0) {
    throw std::runtime_error(std::string("cannot watch the config file (inotify_init1: ") +
                             strerror(errno) +
                             "); set producer.watch_config to false and reload with SIGHUP");
  }
  const std::string directory = path.parent_path().string();
  // CLOSE_WRITE: written in place. MOVED_TO: a new file renamed over it (editors, sed -i,
  // deploy tools). CREATE: a symlink swapped with `ln -sf`, which never writes.
  const auto events = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE;
  if (inotify_add_watch(inotify_.get(), directory.c_str(), events) < 0) {
    throw std::runtime_error("cannot watch " + directory +
                             " for config changes: " + strerror(errno) +
                             " (raise fs.inotify.max_user_watches, or set "
                             "producer.watch_config to false and reload with SIGHUP)");
  }
}

ReloadTrigger::~ReloadTrigger() {
  std::signal(SIGHUP, SIG_DFL);
  close(g_hangup_pipe[0]);
  close(g_hangup_pipe[1]);
  g_hangup_pipe[0] = g_hangup_pipe[1] = -1;
}

std::vector<int> ReloadTrigger::fds() const { return {g_hangup_pipe[0], inotify_.get()}; }

void ReloadTrigger::collect(Clock::time_point now) {
  if (drain(g_hangup_pipe[0])) {
    // An explicit request: no reason to wait.
    due_ = now;
    reason_ = "SIGHUP";
  }
  if (inotify_.get() < 0) return;
  alignas(inotify_event) char buffer[16 * 1024];
  ssize_t length;
  while ((length = read(inotify_.get(), buffer, sizeof buffer)) > 0) {
    for (char* at = buffer; at < buffer + length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(at);
      if (event->len > 0 && file_name_ == event->name) {
        if (!due_ || reason_ != "SIGHUP") {
          due_ = now + kSettle;
          reason_ = "file changed";
        }
      }
      at += sizeof(inotify_event) + event->len;
    }
  }
}

std::optional<std::string> ReloadTrigger::take(Clock::time_point now) {
  if (!due_ || now < *due_) return std::nullopt;
  due_.reset();
  return std::move(reason_);
}

}  // namespace webmon::producer
