// Many malformed configurations: every one must end in a ConfigError whose every line names a
// JSON path and a rule (or in a valid config) — never a crash, never another exception.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "common/config.h"
#include "common/config_error.h"

namespace webmon::common {
namespace {

const char* kValid = R"({
  "kafka": {"bootstrap_servers": ["127.0.0.1:9092"], "topic": "t", "client_id": "c",
            "properties": {"linger.ms": "5"}},
  "db": {"host": "127.0.0.1", "port": 5432, "db_name": "d", "user": "u", "password": "p",
         "sslmode": "disable"},
  "alerts": {"confirm_down": 2, "confirm_up": 1, "remind_every": 60, "retry_max": 30,
             "receivers": [{"name": "ops", "type": "webhook", "url": "http://127.0.0.1:9/hook",
                            "timeout": 2}]},
  "monitored_urls": [{"url": "http://127.0.0.1/a", "name": "a", "timeout": 1, "period": 5,
                      "follow_redirects": false, "max_redirects": 3,
                      "alerts": {"confirm_down": 3, "receivers": ["ops"]}}],
  "logging": {"level": "info", "max_file_size_mb": 1, "max_files": 2},
  "producer": {"id": "p", "queue_limit": 10, "max_concurrent_probes": 5, "delivery_timeout": 5,
               "shutdown_timeout": 5},
  "consumer": {"group_id": "g", "batch_max_messages": 10, "batch_max_wait": 0.5,
               "session_timeout": 6}
})";

EnvLookup noEnvironment() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

// "path: rule" where path is a JSON path, or the top-level forms the loader uses.
void expectClearErrorOrValid(const std::string& text) {
  // A path: plain keys joined by dots, array indexes, and quoted keys for anything else.
  static const std::regex line(
      R"(^(\(top level\)|([A-Za-z0-9_]+|\["([^"\\]|\\.)*"\])(\.[A-Za-z0-9_]+|\[[0-9]+\]|\["([^"\\]|\\.)*"\])*): .+)"
      R"(|^not valid JSON at line [0-9]+, column [0-9]+: .+|^kafka: .+)");
  try {
    parseConfig(text, noEnvironment());
  } catch (const ConfigError& error) {
    ASSERT_FALSE(error.problems().empty());
    for (const auto& problem : error.problems()) {
      EXPECT_TRUE(std::regex_match(problem, line)) << "unclear message: " << problem;
    }
  } catch (const std::exception& error) {
    ADD_FAILURE() << "unexpected " << typeid(error).name() << ": " << error.what()
                  << "\nfor input: " << text.substr(0, 300);
  }
}

// Every value in the document replaced, in turn, by every hostile value.
TEST(ConfigFuzz, EveryValueReplacedByHostileValues) {
  const auto valid = nlohmann::json::parse(kValid);
  const std::vector<nlohmann::json> hostile = {nullptr,
                                               true,
                                               -1,
                                               0,
                                               1e308,
                                               -1e308,
                                               9223372036854775807LL,
                                               18446744073709551615ULL,
                                               0.0001,
                                               "",
                                               std::string(100000, 'x'),
                                               "http://",
                                               "ftp://x/",
                                               "127.0.0.1",
                                               nlohmann::json::array(),
                                               nlohmann::json::object(),
                                               nlohmann::json::array({1, "a"}),
                                               std::string("nul\0inside", 10)};
  std::size_t cases = 0;
  const auto flat = valid.flatten();  // named: a temporary would die before the loop body
  for (const auto& entry : flat.items()) {
    const nlohmann::json::json_pointer pointer(entry.key());
    for (const auto& value : hostile) {
      auto mutated = valid;
      mutated[pointer] = value;
      expectClearErrorOrValid(mutated.dump());
      ++cases;
    }
    auto removed = valid;
    auto& parent = removed[pointer.parent_pointer()];
    if (parent.is_array()) {
      parent.erase(std::stoul(pointer.back()));
    } else {
      parent.erase(pointer.back());
    }
    expectClearErrorOrValid(removed.dump());
    ++cases;
  }
  for (const auto& section : valid.items()) {
    auto without = valid;
    without.erase(section.key());
    expectClearErrorOrValid(without.dump());
    for (const auto& value : hostile) {
      auto replaced = valid;
      replaced[section.key()] = value;
      expectClearErrorOrValid(replaced.dump());
    }
  }
  EXPECT_GT(cases, 500u);
}

// Random byte-level damage to the text: truncation, flipped bytes, non-UTF-8 bytes.
TEST(ConfigFuzz, RandomlyDamagedTextNeverCrashes) {
  std::mt19937 random(20261124);  // fixed seed: a failure is reproducible
  const std::string valid = kValid;
  for (int i = 0; i < 3000; ++i) {
    std::string text = valid;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = random() % text.size();
      switch (random() % 4) {
        case 0:
          text[at] = static_cast<char>(random() % 256);
          break;
        case 1:
          text.erase(at, 1 + random() % 8);
          break;
        case 2:
          text.insert(at, 1, "{}[],:\"\\-0e\xff\xc3"[random() % 14]);
          break;
        default:
          text.resize(at);
          break;
      }
      if (text.empty()) text = "{";
    }
    expectClearErrorOrValid(text);
  }
}

}  // namespace
}  // namespace webmon::common
