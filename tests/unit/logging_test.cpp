#include "common/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace webmon::common {
namespace {

EnvLookup noEnvironment() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

// Sets up logging to a file in a fresh directory and reads back what was written.
class LogFile {
 public:
  explicit LogFile(bool json) {
    char name[] = "/tmp/webmon-logging-XXXXXX";
    directory_ = ::mkdtemp(name);
    LoggingConfig config;
    config.file = (directory_ / "{service}.log").string();
    config.json = json;
    setupLogging(config, "producer", noEnvironment());
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

}  // namespace
}  // namespace webmon::common
