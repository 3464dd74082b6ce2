#pragma once
// Reading one field of a JSON object with the rule it must follow, for the report decoder:
// each function either gives the value or says, in `reason`, which rule was broken.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace webmon::common::json_field {

/// Sets `reason` and returns false, so a rule reads `return fail(reason, "...")`.
bool fail(std::string& reason, std::string text);
/// The value at `key` unless it is absent or null.
const nlohmann::json* present(const nlohmann::json& object, const char* key);
bool isNonNegativeNumber(const nlohmann::json& value);
/// A field that must be there and must not be null.
const nlohmann::json* required(const nlohmann::json& object, const char* key, std::string& reason);
/// A string a PostgreSQL text column can hold (no NUL), at most `max_length` bytes.
std::optional<std::string> requiredText(const nlohmann::json& object, const char* key,
                                        std::size_t max_length, bool allow_empty,
                                        std::string& reason);
/// An optional string: absent, null, or 1 to `max_length` bytes without NUL.
bool optionalText(const nlohmann::json& object, const char* key, std::size_t max_length,
                  std::optional<std::string>& out, std::string& reason);
/// An optional boolean: absent, null, true or false.
bool optionalBoolean(const nlohmann::json& object, const char* key, std::optional<bool>& out,
                     std::string& reason);

}  // namespace webmon::common::json_field
