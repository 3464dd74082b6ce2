#include "common/json_field.h"

#include <cmath>

namespace webmon::common::json_field {

using nlohmann::json;

bool fail(std::string& reason, std::string text) {
  reason = std::move(text);
  return false;
}

// The value at `key` unless it is absent or null.
const json* present(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

bool isNonNegativeNumber(const json& value) {
  return value.is_number() && value.get<double>() >= 0 && std::isfinite(value.get<double>());
}

// A field that must be there and must not be null; `reason` says which rule it broke.
const json* required(const json& object, const char* key, std::string& reason) {
  auto it = object.find(key);
  if (it == object.end())
    return fail(reason, std::string("missing field \"") + key + "\""), nullptr;
  if (it->is_null()) {
    return fail(reason, std::string("field \"") + key + "\" must not be null"), nullptr;
  }
  return &*it;
}

// A string a PostgreSQL text column can hold (no NUL), at most `max_length` bytes.
std::optional<std::string> requiredText(const json& object, const char* key, std::size_t max_length,
                                        bool allow_empty, std::string& reason) {
  const json* value = required(object, key, reason);
  if (value == nullptr) return std::nullopt;
  const std::string field = std::string("field \"") + key + "\"";
  if (!value->is_string()) return fail(reason, field + " must be a string"), std::nullopt;
  auto text = value->get<std::string>();
  // PostgreSQL text cannot hold NUL; such a report would fail every insert of its batch.
  if (text.find('\0') != std::string::npos) {
    return fail(reason, field + " contains a NUL character"), std::nullopt;
  }
  if (!allow_empty && text.empty()) return fail(reason, field + " must not be empty"), std::nullopt;
  if (text.size() > max_length) {
    return fail(reason, field + " is longer than " + std::to_string(max_length) + " bytes"),
           std::nullopt;
  }
  return text;
}

bool optionalText(const json& object, const char* key, std::size_t max_length,
                  std::optional<std::string>& out, std::string& reason) {
  const json* value = present(object, key);
  if (value == nullptr) return true;
  if (!value->is_string() || value->get_ref<const std::string&>().empty() ||
      value->get_ref<const std::string&>().size() > max_length ||
      value->get_ref<const std::string&>().find('\0') != std::string::npos) {
    return fail(reason, std::string("field \"") + key + "\" must be null or a string of 1 to " +
                            std::to_string(max_length) + " bytes without NUL");
  }
  out = value->get<std::string>();
  return true;
}

// An optional boolean: absent, null, true or false.
bool optionalBoolean(const json& object, const char* key, std::optional<bool>& out,
                     std::string& reason) {
  const json* value = present(object, key);
  if (value == nullptr) return true;
  if (!value->is_boolean()) {
    return fail(reason, std::string("field \"") + key + "\" must be null, true or false");
  }
  out = value->get<bool>();
  return true;
}

}  // namespace webmon::common::json_field
