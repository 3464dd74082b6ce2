#pragma once
// A cursor over a parsed JSON document that remembers the JSON path it stands on, so every
// validation message can name exactly where the problem is ("monitored_urls[3].period").

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace webmon::common {

/// Collects validation problems; ConfigReader adds to it, the loader throws them all at once.
class ConfigProblems {
 public:
  void add(std::string path, std::string_view rule);
  bool empty() const noexcept { return items_.empty(); }
  const std::vector<std::string>& items() const noexcept { return items_; }
  void throwIfAny() const;  // throws ConfigError

 private:
  std::vector<std::string> items_;
};

/// A read-only view of one JSON value and its path. Absent values are allowed: every accessor
/// of an absent value returns std::nullopt without recording a problem, so optional settings
/// read naturally; required() records "is required" for the ones that are not optional.
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json* value, std::string path, ConfigProblems& problems);

  const std::string& path() const noexcept { return path_; }
  bool present() const noexcept { return value_ != nullptr && !value_->is_null(); }
  const nlohmann::json* raw() const noexcept { return value_; }

  /// The member `key` of an object (absent if this is absent). Records a problem if this
  /// value is present but not an object.
  ConfigReader field(std::string_view key) const;
  /// Records "unknown key" for every member not in `known`: a typo must not fall back to a default.
  void rejectUnknownKeys(std::initializer_list<std::string_view> known) const;
  /// Number of elements (0 if absent); records a problem if present but not an array.
  std::size_t arraySize() const;
  ConfigReader element(std::size_t index) const;

  bool required() const;  // records "is required" when absent
  std::optional<std::string> string() const;
  std::optional<std::string> nonEmptyString() const;
  std::optional<bool> boolean() const;
  std::optional<double> number() const;
  /// A whole number in [min, max].
  std::optional<long long> integer(long long min, long long max) const;
  /// A number of seconds > 0 and <= max_seconds, returned in milliseconds.
  std::optional<long long> positiveSecondsAsMs(double max_seconds) const;

  /// A TCP port from 1 to 65535: a whole number, or a string of digits ("19071", as the config
  /// of web-monitor, the monitor webmon succeeds, writes ports).
  std::optional<int> port() const;
  /// A string, with "" taken as not set (web-monitor's config template leaves the values to
  /// fill in as ""): nullopt for both, so the default stays.
  std::optional<std::string> stringOrUnset() const;

  /// Records `rule` for this path, followed by ", got <value>".
  void fail(std::string_view rule) const;
  /// Records `rule` for this path as is.
  void failWithoutValue(std::string_view rule) const;
  /// Records `rule` for this path, followed by ", got <shown>": for a value that may hold a
  /// secret, shown with the secret masked.
  void failShowing(std::string_view rule, const std::string& shown) const;

  /// Where this reader records problems, for a document read beside the config (a target file).
  ConfigProblems& problems() const noexcept { return *problems_; }

 private:
  bool isObject() const;
  const nlohmann::json* value_;
  std::string path_;
  ConfigProblems* problems_;
};

/// Shows a JSON value in an error message: short, and never more than ~60 characters.
std::string describeValue(const nlohmann::json& value);
/// 10 -> "10", 0.5 -> "0.5": numbers as a person writes them.
std::string formatNumber(double value);

}  // namespace webmon::common
