#pragma once
// An environment for the config reader that holds exactly the variables a test gives it, so
// config tests never read (or depend on) the real one.

#include <map>
#include <optional>
#include <string>

#include "common/config.h"

namespace webmon::testing {

inline common::EnvLookup environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace webmon::testing
