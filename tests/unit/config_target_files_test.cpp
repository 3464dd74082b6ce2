// targets_dir: URLs from a directory of target files beside (or instead of) monitored_urls,
// read by the rules monitored_urls has, with every mistake named by file and entry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/config.h"
#include "common/config_error.h"

namespace webmon::common {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TargetFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/webmon-targets-XXXXXX";
    directory_ = ::mkdtemp(name);
    fs::create_directories(directory_ / "targets.d");
  }
  void TearDown() override { fs::remove_all(directory_); }

  void write(const std::string& file, const std::string& text) {
    std::ofstream(directory_ / "targets.d" / file) << text;
  }
  // The config with `urls` as monitored_urls (left out when empty) and targets_dir "targets.d",
  // read from a file in directory_, so the relative directory is found beside it.
  Config load(const std::string& urls = "") {
    const auto path = directory_ / "config.json";
    std::ofstream(path) << R"({"kafka": {"bootstrap_servers": ["k:9092"]}, )"
                        << (urls.empty() ? "" : R"("monitored_urls": )" + urls + ", ")
                        << R"("targets_dir": "targets.d"})";
    return loadConfigFile(path.string(), [](const std::string&) { return std::nullopt; });
  }
  std::vector<std::string> problems(const std::string& urls = "") {
    try {
      load(urls);
    } catch (const ConfigError& error) {
      return error.problems();
    }
    return {};
  }

  fs::path directory_;
};

TEST_F(TargetFilesTest, UrlsComeFromTheConfigThenEachFileInNameOrderWithTheirSource) {
  write("b-blog.json", R"([{"url": "https://blog.example/", "period": 30}])");
  write("a-shop.json", R"([{"url": "https://shop.example/", "name": "Shop"},
                           {"url": "https://shop.example/cart"}])");
  write("notes.txt", "not a target file");
  write(".c-draft.json", "[{\"url\": \"https://draft.example/\"}]");  // hidden: an editor's
  const auto config = load(R"([{"url": "https://www.example/"}])");
  ASSERT_EQ(config.monitored_urls.size(), 4u);
  EXPECT_EQ(config.monitored_urls[0].url, "https://www.example/");
  EXPECT_EQ(config.monitored_urls[0].source, "config");
  EXPECT_EQ(config.monitored_urls[1].url, "https://shop.example/");
  EXPECT_EQ(config.monitored_urls[1].name, "Shop");
  EXPECT_EQ(config.monitored_urls[1].source, "file:a-shop.json");
  EXPECT_EQ(config.monitored_urls[2].url, "https://shop.example/cart");
  EXPECT_EQ(config.monitored_urls[3].url, "https://blog.example/");
  EXPECT_EQ(config.monitored_urls[3].period, std::chrono::seconds(30));
  EXPECT_EQ(config.monitored_urls[3].source, "file:b-blog.json");
  EXPECT_EQ(config.targets_dir, (directory_ / "targets.d").string());
}

TEST_F(TargetFilesTest, MonitoredUrlsMayBeLeftOutWhenTheFilesHoldThem) {
  write("shop.json", R"([{"url": "https://shop.example/"}])");
  EXPECT_EQ(load().monitored_urls.size(), 1u);
  fs::remove(directory_ / "targets.d" / "shop.json");
  EXPECT_TRUE(load().monitored_urls.empty());  // an empty directory: nothing to probe, yet
}

TEST_F(TargetFilesTest, MistakesNameTheFileAndTheEntry) {
  write("a.json", R"([{"url": "https://shop.example/", "period": -1}])");
  write("b.json", R"({"url": "https://not-a-list.example/"})");
  write("c.json", "[{\"url\": \"https://broken.example/\",\n  oops]");
  write("d.json",
        R"([{"url": "https://www.example/"}, {"url": "https://blog.example/", "colour": 1}])");
  EXPECT_THAT(problems(R"([{"url": "https://www.example/"}])"),
              ElementsAre(HasSubstr("targets.d/a.json[0].period: must be greater than 0 seconds"),
                          "targets.d/b.json: must be a JSON list of URLs, as monitored_urls is",
                          HasSubstr("targets.d/c.json: not valid JSON at line 2"),
                          "targets.d/d.json[0].url: duplicates monitored_urls[0].url, got "
                          "\"https://www.example/\"",
                          HasSubstr("targets.d/d.json[1].colour: unknown key")));
}

TEST_F(TargetFilesTest, AUrlInTwoFilesIsRefusedInTheSecond) {
  write("a.json", R"([{"url": "https://shop.example/"}])");
  write("b.json", R"([{"url": "https://shop.example/"}])");
  EXPECT_THAT(problems(),
              ElementsAre("targets.d/b.json[0].url: duplicates targets.d/a.json[0].url, "
                          "got \"https://shop.example/\""));
}

TEST_F(TargetFilesTest, AMissingDirectoryIsAnErrorThatSaysWhere) {
  fs::remove_all(directory_ / "targets.d");
  EXPECT_THAT(problems(), ElementsAre(HasSubstr("targets_dir: must name a directory of target "
                                                "files (" +
                                                (directory_ / "targets.d").string())));
}

TEST(TargetFiles, WithoutTargetsDirMonitoredUrlsIsStillRequired) {
  try {
    parseConfig(R"({"kafka": {"bootstrap_servers": ["k:9092"]}})",
                [](const std::string&) { return std::nullopt; });
    FAIL() << "a config without monitored_urls and targets_dir was accepted";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.problems(), ElementsAre(HasSubstr("monitored_urls: is required")));
  }
}

}  // namespace
}  // namespace webmon::common
