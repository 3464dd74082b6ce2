#include "producer/reload_trigger.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace webmon::producer {
namespace {

using Clock = ReloadTrigger::Clock;
namespace fs = std::filesystem;

class ReloadTriggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/webmon-reload-XXXXXX";
    directory_ = ::mkdtemp(name);
    config_ = directory_ / "config.json";
    std::ofstream(config_) << "{}";
  }
  void TearDown() override { fs::remove_all(directory_); }

  // Waits up to a second for the trigger's descriptors, then collects; the reason if due.
  static std::optional<std::string> waitForReload(ReloadTrigger& trigger) {
    const auto give_up = Clock::now() + std::chrono::seconds(1);
    while (Clock::now() < give_up) {
      std::vector<pollfd> fds;
      for (int fd : trigger.fds()) {
        if (fd >= 0) fds.push_back(pollfd{fd, POLLIN, 0});
      }
      ::poll(fds.data(), fds.size(), 20);
      trigger.collect(Clock::now());
      if (auto reason = trigger.take(Clock::now())) return reason;
    }
    return std::nullopt;
  }

  fs::path directory_;
  fs::path config_;
};

TEST_F(ReloadTriggerTest, WritingTheFileInPlaceTriggersOneReload) {
  ReloadTrigger trigger(config_.string(), true);
  std::ofstream(config_) << R"({"edited": true})";
  EXPECT_EQ(waitForReload(trigger), "file changed");
  EXPECT_EQ(waitForReload(trigger), std::nullopt);  // one save, one reload
}

TEST_F(ReloadTriggerTest, RenamingANewFileOverItTriggersAReload) {
  ReloadTrigger trigger(config_.string(), true);
  const auto replacement = directory_ / ".config.json.swp";
  std::ofstream(replacement) << R"({"edited": true})";
  fs::rename(replacement, config_);
  EXPECT_EQ(waitForReload(trigger), "file changed");
}

TEST_F(ReloadTriggerTest, ASymlinkSwappedToAnotherFileTriggersAReload) {
  const auto release_1 = directory_ / "release-1.json";
  const auto release_2 = directory_ / "release-2.json";
  std::ofstream(release_1) << "{}";
  std::ofstream(release_2) << "{}";
  fs::remove(config_);
  fs::create_symlink(release_1, config_);
  ReloadTrigger trigger(config_.string(), true);
  fs::remove(config_);  // what `ln -sf release-2.json config.json` does
  fs::create_symlink(release_2, config_);
  EXPECT_EQ(waitForReload(trigger), "file changed");
}

TEST_F(ReloadTriggerTest, OtherFilesInTheDirectoryAreIgnored) {
  ReloadTrigger trigger(config_.string(), true);
  std::ofstream(directory_ / "other.json") << "{}";
  EXPECT_EQ(waitForReload(trigger), std::nullopt);
}

TEST_F(ReloadTriggerTest, SighupTriggersAReloadEvenWithoutWatching) {
  ReloadTrigger trigger(config_.string(), false);
  std::ofstream(config_) << R"({"edited": true})";
  EXPECT_EQ(waitForReload(trigger), std::nullopt);  // not watching the file
  ASSERT_EQ(::raise(SIGHUP), 0);                    // would end the test binary without the handler
  EXPECT_EQ(waitForReload(trigger), "SIGHUP");
}

TEST_F(ReloadTriggerTest, AFileChangeWaitsToSettleBeforeItIsDue) {
  ReloadTrigger trigger(config_.string(), true);
  std::ofstream(config_) << "{";
  std::vector<int> fds = trigger.fds();
  pollfd watched{fds[1], POLLIN, 0};
  ASSERT_EQ(::poll(&watched, 1, 1000), 1);
  const auto seen_at = Clock::now();
  trigger.collect(seen_at);
  EXPECT_EQ(trigger.take(seen_at), std::nullopt);
  EXPECT_EQ(trigger.take(seen_at + ReloadTrigger::kSettle), "file changed");
}

}  // namespace
}  // namespace webmon::producer

namespace webmon::producer {
namespace {

std::size_t openDescriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

void (*currentHangupHandler())(int) {
  struct sigaction now {};
  sigaction(SIGHUP, nullptr, &now);
  return now.sa_handler;
}

// The watch fails after the SIGHUP pipe and handler are in place: both must go with the
// exception (they used to stay: two descriptors, and a handler writing to a closed pipe).
TEST(ReloadTriggerSetup, AConstructorThatThrowsLeavesNoDescriptorOrHandlerBehind) {
  std::signal(SIGHUP, SIG_IGN);
  const auto before = openDescriptors();
  EXPECT_THROW(ReloadTrigger("/nonexistent-webmon-dir/config.json", true), std::runtime_error);
  EXPECT_EQ(openDescriptors(), before);
  EXPECT_EQ(currentHangupHandler(), SIG_IGN);
  // And a trigger can be made again afterwards.
  EXPECT_NO_THROW(ReloadTrigger("/tmp/config.json", false));
  std::signal(SIGHUP, SIG_DFL);
}

TEST(ReloadTriggerSetup, TheHandlerItReplacedIsBackWhenItIsGone) {
  std::signal(SIGHUP, SIG_IGN);
  {
    ReloadTrigger trigger("/tmp/config.json", false);
    EXPECT_NE(currentHangupHandler(), SIG_IGN);
  }
  EXPECT_EQ(currentHangupHandler(), SIG_IGN);
  std::signal(SIGHUP, SIG_DFL);
}

// targets_dir: a target file made, written, renamed away or removed is a reload; a file that
// is not one (hidden, not *.json) is not; another directory replaces the watched one.
TEST_F(ReloadTriggerTest, TargetFilesInTheTargetsDirTriggerAReload) {
  const auto targets = directory_ / "targets.d";
  const auto others = directory_ / "others.d";
  fs::create_directories(targets);
  fs::create_directories(others);
  ReloadTrigger trigger(config_.string(), true);
  trigger.watchTargetsDir(targets.string());
  std::ofstream(targets / "shop.json") << "[]";
  EXPECT_EQ(waitForReload(trigger), "target file changed");
  std::ofstream(targets / ".shop.json.tmp") << "[]";
  std::ofstream(targets / "notes.txt") << "not a target file";
  EXPECT_EQ(waitForReload(trigger), std::nullopt);
  fs::remove(targets / "shop.json");
  EXPECT_EQ(waitForReload(trigger), "target file changed");

  trigger.watchTargetsDir(others.string());
  std::ofstream(targets / "blog.json") << "[]";
  EXPECT_EQ(waitForReload(trigger), std::nullopt);  // no longer watched
  std::ofstream(others / "blog.json") << "[]";
  EXPECT_EQ(waitForReload(trigger), "target file changed");
  // The config file still counts, named as such.
  std::ofstream(config_) << R"({"edited": true})";
  EXPECT_EQ(waitForReload(trigger), "file changed");
}

TEST_F(ReloadTriggerTest, TargetsDirBesideTheConfigKeepsTheConfigWatched) {
  ReloadTrigger trigger(config_.string(), true);
  trigger.watchTargetsDir(directory_.string());  // the same directory as the config
  std::ofstream(directory_ / "shop.json") << "[]";
  EXPECT_EQ(waitForReload(trigger), "target file changed");
  trigger.watchTargetsDir("");
  std::ofstream(directory_ / "shop.json") << "[1]";
  EXPECT_EQ(waitForReload(trigger), std::nullopt);
  std::ofstream(config_) << R"({"edited": true})";
  EXPECT_EQ(waitForReload(trigger), "file changed");
}

}  // namespace
}  // namespace webmon::producer
