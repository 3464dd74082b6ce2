#pragma once
// What integration tests need from the CTest fixtures (tests/support/fixture.sh): the shared
// throwaway PostgreSQL and development broker, plus scratch databases and unique names so
// tests never see each other's data.

#include <string>

#include "common/config.h"

namespace webmon::testing {

/// WEBMON_TEST_ENV_DIR, where the fixtures wrote their addresses. Empty if not set.
std::string envDir();
std::string readTrimmedFile(const std::string& path);

int postgresPort();
std::string brokerBootstrap();
/// A name no other test uses: prefix + pid + counter + time.
std::string uniqueName(const std::string& prefix);

/// A database created for one test and dropped afterwards.
class ScratchDatabase {
 public:
  ScratchDatabase();
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const noexcept { return name_; }
  common::DbConfig config() const;
  std::string connectionString() const { return config().connectionString(); }

 private:
  std::string name_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout (stderr too if the command redirects it)
};
/// Runs a shell command and captures its standard output.
CommandResult runCommand(const std::string& command);

}  // namespace webmon::testing

/// Skips the current test when the fixture environment is missing (e.g. a bare unit run).
#define WEBMON_REQUIRE_TEST_ENV()                                                          \
  do {                                                                                     \
    if (::webmon::testing::envDir().empty())                                               \
      GTEST_SKIP() << "WEBMON_TEST_ENV_DIR not set: run through ctest or scripts/test.sh"; \
  } while (0)
