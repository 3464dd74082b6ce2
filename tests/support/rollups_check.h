#pragma once
// The check every rollup test ends with: tests/support/rollups_vs_raw.sql counts the rollup
// rows (hourly and daily) that disagree with what the raw rows in reports say; 0 is right.

#include <fstream>
#include <sstream>
#include <string>

#ifndef WEBMON_SOURCE_DIR
#error "WEBMON_SOURCE_DIR must be defined by the build"
#endif

namespace webmon::testing {

inline std::string rollupsVsRawSql() {
  std::ifstream file(std::string(WEBMON_SOURCE_DIR) + "/tests/support/rollups_vs_raw.sql");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace webmon::testing
