#include "common/config_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/config_error.h"

namespace webmon::common {
namespace {

std::string joinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

const char* typeName(const nlohmann::json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  return "null";
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(joinLines(problems)), problems_(std::move(problems)) {}

void ConfigProblems::add(std::string path, std::string_view rule) {
  if (path.empty()) path = "(top level)";
  items_.push_back(path + ": " + std::string(rule));
}

void ConfigProblems::throwIfAny() const {
  if (!items_.empty()) throw ConfigError(items_);
}

std::string formatNumber(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  return buffer;
}

std::string describeValue(const nlohmann::json& value) {
  // error_handler_t::replace keeps dump() from throwing on strings that are not valid UTF-8.
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  constexpr std::size_t kMaxShown = 60;
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown - 3) + "...";
  return text;
}

ConfigReader::ConfigReader(const nlohmann::json* value, std::string path, ConfigProblems& problems)
    : value_(value), path_(std::move(path)), problems_(&problems) {}

bool ConfigReader::isObject() const {
  if (!present()) return false;
  if (value_->is_object()) return true;
  failWithoutValue(std::string("must be an object, got ") + typeName(*value_));
  return false;
}

namespace {

bool isPlainKey(std::string_view key) {
  if (key.empty() || key.size() > 60) return false;  // long keys are shown quoted and cut short
  for (unsigned char c : key) {
    if (!std::isalnum(c) && c != '_') return false;
  }
  return true;
}

}  // namespace

ConfigReader ConfigReader::field(std::string_view key) const {
  // Keys that could be misread in a path (dots, colons, brackets, ...) are shown quoted:
  // producer["queue limit"].
  std::string child_path;
  if (isPlainKey(key)) {
    child_path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  } else {
    child_path = path_ + "[" + describeValue(nlohmann::json(std::string(key))) + "]";
  }
  if (!present() || !value_->is_object()) return {nullptr, std::move(child_path), *problems_};
  auto it = value_->find(key);
  return {it == value_->end() ? nullptr : &*it, std::move(child_path), *problems_};
}

void ConfigReader::rejectUnknownKeys(std::initializer_list<std::string_view> known) const {
  if (!isObject()) return;
  for (const auto& [key, unused] : value_->items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string allowed;
    for (auto k : known) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
    field(key).failWithoutValue("unknown key (allowed here: " + allowed + ")");
  }
}

std::size_t ConfigReader::arraySize() const {
  if (!present()) return 0;
  if (!value_->is_array()) {
    failWithoutValue(std::string("must be an array, got ") + typeName(*value_));
    return 0;
  }
  return value_->size();
}

ConfigReader ConfigReader::element(std::size_t index) const {
  std::string child_path = path_ + "[" + std::to_string(index) + "]";
  if (!present() || !value_->is_array() || index >= value_->size()) {
    return {nullptr, std::move(child_path), *problems_};
  }
  return {&(*value_)[index], std::move(child_path), *problems_};
}

bool ConfigReader::required() const {
  if (present()) return true;
  failWithoutValue("is required");
  return false;
}

std::optional<std::string> ConfigReader::string() const {
  if (!present()) return std::nullopt;
  if (!value_->is_string()) {
    fail("must be a string");
    return std::nullopt;
  }
  return value_->get<std::string>();
}

std::optional<std::string> ConfigReader::nonEmptyString() const {
  auto text = string();
  if (text && text->empty()) {
    failWithoutValue("must not be empty");
    return std::nullopt;
  }
  return text;
}

std::optional<bool> ConfigReader::boolean() const {
  if (!present()) return std::nullopt;
  if (!value_->is_boolean()) {
    fail("must be true or false");
    return std::nullopt;
  }
  return value_->get<bool>();
}

std::optional<double> ConfigReader::number() const {
  if (!present()) return std::nullopt;
  if (!value_->is_number()) {
    fail("must be a number");
    return std::nullopt;
  }
  return value_->get<double>();
}

std::optional<long long> ConfigReader::integer(long long min, long long max) const {
  if (!present()) return std::nullopt;
  const bool whole =
      value_->is_number_integer() ||
      (value_->is_number_float() && std::trunc(value_->get<double>()) == value_->get<double>());
  if (!whole) {
    fail("must be a whole number");
    return std::nullopt;
  }
  const double as_double = value_->get<double>();
  if (as_double < static_cast<double>(min) || as_double > static_cast<double>(max)) {
    fail("must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value_->is_number_unsigned() ? static_cast<long long>(value_->get<unsigned long long>())
                                      : value_->get<long long>();
}

std::optional<int> ConfigReader::port() const {
  if (!present()) return std::nullopt;
  if (value_->is_string()) {
    const auto& text = value_->get_ref<const std::string&>();
    const bool digits = !text.empty() && text.size() <= 5 &&
                        text.find_first_not_of("0123456789") == std::string::npos;
    const int number = digits ? std::stoi(text) : 0;
    if (number >= 1 && number <= 65535) return number;
    fail("must be a port from 1 to 65535 (a number, or a string of digits)");
    return std::nullopt;
  }
  if (auto number = integer(1, 65535)) return static_cast<int>(*number);
  return std::nullopt;
}

std::optional<std::string> ConfigReader::stringOrUnset() const {
  auto text = string();
  if (text && text->empty()) return std::nullopt;
  return text;
}

std::optional<long long> ConfigReader::positiveSecondsAsMs(double max_seconds) const {
  auto seconds = number();
  if (!seconds) return std::nullopt;
  if (!(*seconds > 0)) {
    fail("must be greater than 0 seconds");
    return std::nullopt;
  }
  if (*seconds > max_seconds) {
    fail("must be at most " + formatNumber(max_seconds) + " seconds");
    return std::nullopt;
  }
  const auto ms = static_cast<long long>(std::llround(*seconds * 1000.0));
  if (ms < 1) {
    fail("must be at least 0.001 seconds");
    return std::nullopt;
  }
  return ms;
}

void ConfigReader::fail(std::string_view rule) const {
  std::string message(rule);
  if (value_ != nullptr) message += ", got " + describeValue(*value_);
  problems_->add(path_, message);
}

void ConfigReader::failWithoutValue(std::string_view rule) const { problems_->add(path_, rule); }

void ConfigReader::failShowing(std::string_view rule, const std::string& shown) const {
  problems_->add(path_, std::string(rule) + ", got " + describeValue(nlohmann::json(shown)));
}

}  // namespace webmon::common
