#include "producer/config_reloader.h"

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "common/config_error.h"

namespace webmon::producer {

ConfigReloader::ConfigReloader(std::string path, common::EnvLookup env)
    : path_(std::move(path)), env_(std::move(env)), ready_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (ready_.get() < 0) {
    throw std::runtime_error(std::string("cannot create the config reload eventfd: ") +
                             strerror(errno));
  }
  thread_ = std::thread([this] { work(); });
}

ConfigReloader::~ConfigReloader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wanted_.notify_one();
  thread_.join();
}

void ConfigReloader::request(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    // Two causes before a read began ("file changed" then SIGHUP): one read covers both.
    pending_reason_ = pending_reason_ ? *pending_reason_ + ", " + reason : reason;
  }
  wanted_.notify_one();
}

std::optional<ConfigReloader::Outcome> ConfigReloader::take() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto drained = read(ready_.get(), &count, sizeof count);
  std::lock_guard lock(mutex_);
  auto outcome = std::move(outcome_);
  outcome_.reset();
  return outcome;
}

void ConfigReloader::discard(Outcome&& outcome) {
  {
    std::lock_guard lock(mutex_);
    discarded_.push_back(std::move(outcome));
  }
  wanted_.notify_one();
}

void ConfigReloader::work() {
  // Reading the file is never urgent, and the probe loop shares two cores with it: the
  // scheduler gives this thread (Linux: nice is per thread) what the loop leaves.
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
  std::unique_lock lock(mutex_);
  while (true) {
    wanted_.wait(lock, [this] { return stopping_ || pending_reason_ || !discarded_.empty(); });
    if (stopping_) return;
    if (!discarded_.empty()) {
      auto freeing = std::move(discarded_);
      discarded_.clear();
      lock.unlock();
      freeing.clear();
      lock.lock();
      continue;
    }
    Outcome outcome;
    outcome.reason = std::move(*pending_reason_);
    pending_reason_.reset();
    lock.unlock();
    try {
      outcome.config = common::loadConfigFile(path_, env_);
      outcome.edit.emplace(std::move(outcome.config->monitored_urls));
    } catch (const common::ConfigError& error) {
      outcome.problems = error.problems();
    } catch (const std::exception& error) {  // the file vanished mid-read, no memory, ...
      outcome.config.reset();                // an outcome has a config and its edit, or neither
      outcome.problems = {error.what()};
    }
    lock.lock();
    // An outcome the loop has not taken yet is older than this one: this one replaces it.
    outcome_ = std::move(outcome);
    const std::uint64_t one = 1;
    [[maybe_unused]] auto signalled = write(ready_.get(), &one, sizeof one);
  }
}

}  // namespace webmon::producer
