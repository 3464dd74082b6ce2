#pragma once
// When the producer should read its config again: on SIGHUP, and when the file changes on
// disk (inotify). Both surface as file descriptors the probe loop already waits on, so a
// reload starts within milliseconds without a polling thread.

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

namespace webmon::producer {

/// An owned file descriptor, closed on destruction.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  ~FileDescriptor();
  FileDescriptor(FileDescriptor&& other) noexcept;
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

/// SIGHUP as a readable descriptor (a self-pipe), for as long as it lives; one per process.
/// Restores the handler it replaced on destruction, and owns the pipe, so a ReloadTrigger
/// whose constructor throws after it leaves neither a handler nor descriptors behind.
class HangupSignal {
 public:
  HangupSignal();
  ~HangupSignal();
  HangupSignal(const HangupSignal&) = delete;
  HangupSignal& operator=(const HangupSignal&) = delete;
  int fd() const noexcept { return read_.get(); }

 private:
  FileDescriptor read_;
  FileDescriptor write_;
  struct sigaction previous_ {};
};

class ReloadTrigger {
 public:
  using Clock = std::chrono::steady_clock;

  /// Installs the SIGHUP handler (one instance per process) and, when `watch_file`, watches
  /// the directory holding `config_path`: editors and deploy tools often write a new file and
  /// rename it over the old one, which a watch on the file itself would not see.
  ReloadTrigger(const std::string& config_path, bool watch_file);
  ~ReloadTrigger();
  ReloadTrigger(const ReloadTrigger&) = delete;
  ReloadTrigger& operator=(const ReloadTrigger&) = delete;

  /// Also watches `directory` (the config's targets_dir; empty: none) for target files made,
  /// written, renamed or removed, replacing the directory watched before. Without file
  /// watching (watch_config false) it does nothing. Throws when the watch cannot be added.
  void watchTargetsDir(const std::string& directory);

  /// Descriptors to wait on; readable when something happened.
  std::vector<int> fds() const;

  /// Reads what happened. A file change is acted on `settle` later, so a writer that closes
  /// the file several times while saving causes one reload, not several.
  void collect(Clock::time_point now);

  /// When the next reload is due, if one is pending.
  std::optional<Clock::time_point> due() const { return due_; }
  /// The pending reload's cause ("SIGHUP", "file changed"), clearing it, when it is due.
  std::optional<std::string> take(Clock::time_point now);

  static constexpr std::chrono::milliseconds kSettle{100};

 private:
  HangupSignal hangup_;  // first: destroyed last, after the watch
  FileDescriptor inotify_;
  std::string file_name_;  // the config file's name inside the watched directory
  int config_watch_ = -1;
  std::string targets_dir_;  // watched for *.json files; empty: none
  int targets_watch_ = -1;
  std::optional<Clock::time_point> due_;
  std::string reason_;
};

}  // namespace webmon::producer
