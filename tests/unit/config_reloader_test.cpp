// ConfigReloader: the file is read on the reloader's thread and the outcome handed over
// through a descriptor the probe loop polls.

#include "producer/config_reloader.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace webmon::producer {
namespace {

namespace fs = std::filesystem;

std::string configWith(int urls) {
  std::string list;
  for (int i = 0; i < urls; ++i) {
    list +=
        (i ? "," : "") + std::string(R"({"url": "http://127.0.0.1/)") + std::to_string(i) + R"("})";
  }
  return R"({"kafka": {"bootstrap_servers": ["127.0.0.1:9092"]}, "monitored_urls": [)" + list +
         "]}";
}

class ConfigReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/webmon-reloader-XXXXXX";
    directory_ = ::mkdtemp(name);
    path_ = (directory_ / "config.json").string();
  }
  void TearDown() override { fs::remove_all(directory_); }
  void write(const std::string& text) { std::ofstream(path_) << text; }

  // Waits (up to 10 s) on the descriptor, as the loop does, then takes the outcome.
  static std::optional<ConfigReloader::Outcome> await(ConfigReloader& reloader) {
    for (int i = 0; i < 100; ++i) {
      pollfd fd{reloader.fd(), POLLIN, 0};
      if (::poll(&fd, 1, 100) > 0) {
        if (auto outcome = reloader.take()) return outcome;
      }
    }
    return std::nullopt;
  }

  fs::path directory_;
  std::string path_;
};

TEST_F(ConfigReloaderTest, ReadsTheFileWhenAskedAndSaysWhy) {
  write(configWith(3));
  ConfigReloader reloader(path_, common::processEnvironment());
  EXPECT_FALSE(reloader.take());  // nothing asked, nothing read
  reloader.request("SIGHUP");
  const auto outcome = await(reloader);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->reason, "SIGHUP");
  ASSERT_TRUE(outcome->config);
  EXPECT_EQ(outcome->edit->size(), 3u);
  EXPECT_FALSE(reloader.take());  // taken once
}

TEST_F(ConfigReloaderTest, AnInvalidFileComesBackAsItsProblemsWithTheirPaths) {
  write(R"({"kafka": {"bootstrap_servers": ["127.0.0.1:9092"]},
            "monitored_urls": [{"url": "http://127.0.0.1/"}, {"url": "ftp://x/"}]})");
  ConfigReloader reloader(path_, common::processEnvironment());
  reloader.request("file changed");
  const auto outcome = await(reloader);
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->config);
  ASSERT_FALSE(outcome->problems.empty());
  EXPECT_NE(outcome->problems.front().find("monitored_urls[1].url"), std::string::npos)
      << outcome->problems.front();
}

TEST_F(ConfigReloaderTest, AMissingFileIsAProblemNotACrash) {
  ConfigReloader reloader(path_ + ".gone", common::processEnvironment());
  reloader.request("SIGHUP");
  const auto outcome = await(reloader);
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->config);
  EXPECT_FALSE(outcome->problems.empty());
}

// Edits in quick succession: whatever reads they fold into, the last outcome is the last file.
TEST_F(ConfigReloaderTest, TheLastEditIsTheOneReadLast) {
  write(configWith(20000));  // a read long enough for requests to arrive during it
  ConfigReloader reloader(path_, common::processEnvironment());
  reloader.request("file changed");
  for (int urls : {5, 6, 7}) {
    write(configWith(urls));
    reloader.request("file changed");
  }
  std::optional<ConfigReloader::Outcome> last;
  while (auto outcome = await(reloader)) {
    last = std::move(outcome);
    if (last->config && last->edit->size() == 7u) break;
  }
  ASSERT_TRUE(last && last->config);
  EXPECT_EQ(last->edit->size(), 7u);
}

}  // namespace
}  // namespace webmon::producer
