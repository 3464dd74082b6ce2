#include "common/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace webmon::common {
namespace {

EnvLookup noEnvironment() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

// Sets up logging to a file in a fresh directory and reads back what was written.
class LogFile {
 public:
  explicit LogFile(bool json, const EnvLookup& env = noEnvironment(),
                   LoggingConfig config = LoggingConfig()) {
    char name[] = "/tmp/webmon-logging-XXXXXX";
    directory_ = ::mkdtemp(name);
    config.file = (directory_ / "{service}.log").string();
    config.json = json;
    setupLogging(config, "producer", env);
  }
  std::uintmax_t currentFileSize() const {
    return std::filesystem::file_size(directory_ / "producer.log");
  }
  std::size_t fileCount() const {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory_)) {
      ++count;
    }
    return count;
  }
  ~LogFile() {
    setupBootstrapLogging("test");
    std::filesystem::remove_all(directory_);
  }
  std::vector<std::string> lines() const {
    spdlog::default_logger()->flush();
    std::ifstream in(directory_ / "producer.log");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  std::filesystem::path directory_;
};

TEST(Logging, JsonFormatWritesOneParsableObjectPerLine) {
  LogFile log(true);
  spdlog::info("plain message");
  spdlog::warn("quotes \" backslash \\ newline \n tab \t and a bad byte \xff here");
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 2u);  // the newline inside the message did not split the line
  const auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["service"], "producer");
  EXPECT_EQ(first["message"], "plain message");
  EXPECT_EQ(first["time"].get<std::string>().size(), 24u);  // 2026-11-25T08:40:01.123Z
  EXPECT_EQ(first["time"].get<std::string>().back(), 'Z');
  const auto second = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(second["level"], "warning");
  EXPECT_EQ(second["message"],
            "quotes \" backslash \\ newline \n tab \t and a bad byte \xEF\xBF\xBD here");
}

TEST(Logging, TextFormatIsTheDefaultPattern) {
  LogFile log(false);
  spdlog::info("plain message");
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" info [producer] plain message"), std::string::npos) << lines[0];
}

TEST(Logging, WebmonLogLevelOverridesTheConfiguredLevel) {
  LogFile log(false, [](const std::string& name) -> std::optional<std::string> {
    if (name == "WEBMON_LOG_LEVEL") return "warn";
    return std::nullopt;
  });
  spdlog::info("routine");
  spdlog::warn("worth a look");
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("worth a look"), std::string::npos);
}

TEST(Logging, AnUnknownLevelFromTheEnvironmentIsAClearError) {
  LoggingConfig config;
  try {
    setupLogging(config, "producer",
                 [](const std::string&) -> std::optional<std::string> { return "loud"; });
    FAIL() << "accepted WEBMON_LOG_LEVEL=loud";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("unknown log level \"loud\""), std::string::npos);
  }
  setupBootstrapLogging("test");
}

TEST(Logging, FilesRotateAtTheSizeLimitAndKeepTheConfiguredCount) {
  LoggingConfig config;
  config.max_file_size_bytes = 4096;
  config.max_files = 2;
  LogFile log(false, noEnvironment(), config);
  for (int i = 0; i < 500; ++i) spdlog::info("line {} of a log that outgrows its file", i);
  spdlog::default_logger()->flush();
  EXPECT_EQ(log.fileCount(), 3u);  // producer.log, producer.1.log, producer.2.log
  EXPECT_LE(log.currentFileSize(), 4096u);
}

TEST(RateLimiter, LetsOneThroughPerIntervalAndCountsTheRest) {
  RateLimiter limiter(std::chrono::milliseconds(200));
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(limiter.allow(suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.allow(suppressed));
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_TRUE(limiter.allow(suppressed));
  EXPECT_EQ(suppressed, 5u);  // the next message can say "(5 similar suppressed)"
}

}  // namespace
}  // namespace webmon::common
