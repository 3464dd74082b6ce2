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

// The pipe end SIGHUP writes to: a signal handler may only call async-signal-safe functions,
// and can reach no object.
std::atomic<int> g_hangup_write_fd{-1};

extern "C" void onHangup(int) {
  const int saved_errno = errno;
  const char byte = 1;
  const int fd = g_hangup_write_fd.load();
  if (fd >= 0) [[maybe_unused]]
    auto written = write(fd, &byte, 1);
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

HangupSignal::HangupSignal() {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error(std::string("cannot create the SIGHUP pipe: ") + strerror(errno));
  }
  read_ = FileDescriptor(ends[0]);
  write_ = FileDescriptor(ends[1]);
  int expected = -1;
  if (!g_hangup_write_fd.compare_exchange_strong(expected, write_.get())) {
    throw std::logic_error("a second SIGHUP handler in one process (one ReloadTrigger at a time)");
  }
  struct sigaction action {};
  action.sa_handler = onHangup;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (sigaction(SIGHUP, &action, &previous_) != 0) {
    g_hangup_write_fd.store(-1);
    throw std::runtime_error(std::string("cannot install the SIGHUP handler: ") + strerror(errno) +
                             "; set producer.watch_config and restart");
  }
}

HangupSignal::~HangupSignal() {
  sigaction(SIGHUP, &previous_, nullptr);
  g_hangup_write_fd.store(-1);  // before the pipe closes: a late signal writes nowhere
}

ReloadTrigger::ReloadTrigger(const std::string& config_path, bool watch_file) {
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
  config_watch_ = inotify_add_watch(inotify_.get(), directory.c_str(), events);
  if (config_watch_ < 0) {
    throw std::runtime_error("cannot watch " + directory +
                             " for config changes: " + strerror(errno) +
                             " (raise fs.inotify.max_user_watches, or set "
                             "producer.watch_config to false and reload with SIGHUP)");
  }
}

ReloadTrigger::~ReloadTrigger() = default;

void ReloadTrigger::watchTargetsDir(const std::string& directory) {
  if (inotify_.get() < 0 || directory == targets_dir_) return;
  // The config's own directory may be the same one: its watch is shared (one descriptor per
  // directory), so it is never removed here, and the events are added to it, not replaced.
  if (targets_watch_ >= 0 && targets_watch_ != config_watch_) {
    inotify_rm_watch(inotify_.get(), targets_watch_);
  }
  targets_watch_ = -1;
  targets_dir_.clear();
  if (directory.empty()) return;
  // Removing or renaming a file away drops its URLs, so DELETE and MOVED_FROM count too.
  const auto events =
      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MASK_ADD;
  targets_watch_ = inotify_add_watch(inotify_.get(), directory.c_str(), events);
  if (targets_watch_ < 0) {
    throw std::runtime_error("cannot watch " + directory + " for target files: " + strerror(errno) +
                             " (raise fs.inotify.max_user_watches, or reload with SIGHUP)");
  }
  targets_dir_ = directory;
}

namespace {

// The files targets_dir reads (common/config_target_files.cpp): *.json, not hidden.
bool isTargetFileName(std::string_view name) {
  return !name.starts_with('.') && name.size() > 5 && name.ends_with(".json");
}

}  // namespace

std::vector<int> ReloadTrigger::fds() const { return {hangup_.fd(), inotify_.get()}; }

void ReloadTrigger::collect(Clock::time_point now) {
  if (drain(hangup_.fd())) {
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
      const bool config_changed =
          event->len > 0 && event->wd == config_watch_ && file_name_ == event->name;
      const bool targets_changed =
          event->len > 0 && event->wd == targets_watch_ && isTargetFileName(event->name);
      if ((config_changed || targets_changed) && (!due_ || reason_ != "SIGHUP")) {
        due_ = now + kSettle;
        reason_ = config_changed ? "file changed" : "target file changed";
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
