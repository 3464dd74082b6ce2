#pragma once
// Reads and validates the config file again on a thread of its own. Parsing and checking
// 20,000 URLs takes a few hundred milliseconds; on the probe loop that time was schedule lag
// for every probe due meanwhile (p99 280 ms for a second after each edit). The loop only asks
// for a read, and swaps in what comes back.

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "producer/reload_trigger.h"
#include "producer/target_table.h"

namespace webmon::producer {

class ConfigReloader {
 public:
  /// What one read of the file gave: the config, or the problems that rejected it.
  struct Outcome {
    std::string reason;                    // why it was read ("SIGHUP", "file changed")
    std::optional<common::Config> config;  // its monitored_urls moved into `edit`
    std::optional<TableEdit> edit;         // with `config`: the URLs, ready for the table
    std::vector<std::string> problems;     // when `config` is empty
  };

  ConfigReloader(std::string path, common::EnvLookup env);
  /// Stops the thread; a read in progress finishes first.
  ~ConfigReloader();
  ConfigReloader(const ConfigReloader&) = delete;
  ConfigReloader& operator=(const ConfigReloader&) = delete;

  /// Asks for a read; returns at once. Requests made while a read runs are merged into one
  /// more read after it, so the last edit is always the one read last.
  void request(const std::string& reason);
  /// Readable when an outcome is waiting (for the loop's poll).
  int fd() const noexcept { return ready_.get(); }
  /// The newest outcome, if one came since the last call.
  std::optional<Outcome> take();
  /// Hands a used outcome back to be freed here: 20,000 URLs take milliseconds to destroy,
  /// which the loop need not spend.
  void discard(Outcome&& outcome);
  /// The file this reads.
  const std::string& path() const noexcept { return path_; }

 private:
  void work();

  const std::string path_;
  const common::EnvLookup env_;
  FileDescriptor ready_;  // an eventfd
  std::mutex mutex_;
  std::condition_variable wanted_;
  std::optional<std::string> pending_reason_;  // a read asked for and not yet begun
  std::optional<Outcome> outcome_;             // a read done and not yet taken
  std::vector<Outcome> discarded_;             // to free on this thread
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything it uses exists
};

}  // namespace webmon::producer
