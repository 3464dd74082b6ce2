#include "common/config_permissions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace webmon::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A config file in /tmp with the given db section and mode, removed at the end of the test.
class ConfigFile {
 public:
  ConfigFile(const std::string& db_json, mode_t mode) {
    char name[] = "/tmp/webmon-permissions-XXXXXX";
    const int fd = ::mkstemp(name);
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << R"({"kafka": {"bootstrap_servers": ["127.0.0.1:9092"]},
      "monitored_urls": [{"url": "http://127.0.0.1:8080/"}], "db": )"
                         << db_json << "}";
    ::chmod(path_.c_str(), mode);
  }
  ~ConfigFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ConfigPermissions, WorldReadableFileWithAPasswordIsWarnedAboutWithoutShowingIt) {
  ConfigFile file(R"({"password": "hunter2"})", 0644);
  const auto warning = worldReadableSecretsWarning(file.path());
  ASSERT_TRUE(warning.has_value());
  EXPECT_THAT(*warning, HasSubstr("db.password"));
  EXPECT_THAT(*warning, HasSubstr("chmod 600"));
  EXPECT_THAT(*warning, Not(HasSubstr("hunter2")));
}

TEST(ConfigPermissions, PasswordInsideADsnCountsToo) {
  ConfigFile uri(R"({"dsn": "postgresql://webmon:s3cret@db.internal/webmon"})", 0604);
  EXPECT_TRUE(worldReadableSecretsWarning(uri.path()).has_value());
  ConfigFile key_value(R"({"dsn": "host=db password=s3cret"})", 0644);
  EXPECT_TRUE(worldReadableSecretsWarning(key_value.path()).has_value());
}

TEST(ConfigPermissions, PrivateFileOrNoSecretIsFine) {
  ConfigFile private_file(R"({"password": "hunter2"})", 0600);
  EXPECT_FALSE(worldReadableSecretsWarning(private_file.path()).has_value());
  ConfigFile no_secret(R"({"host": "db.internal"})", 0644);
  EXPECT_FALSE(worldReadableSecretsWarning(no_secret.path()).has_value());
  ConfigFile dsn_without_password(R"({"dsn": "postgresql://webmon@db.internal:5432/webmon"})",
                                  0644);
  EXPECT_FALSE(worldReadableSecretsWarning(dsn_without_password.path()).has_value());
}

TEST(ConfigPermissions, SecretFromTheEnvironmentIsNotTheFilesProblem) {
  ConfigFile file(R"({"user": "webmon"})", 0644);
  ::setenv("WEBMON_DB_PASSWORD", "from-env", 1);
  EXPECT_FALSE(worldReadableSecretsWarning(file.path()).has_value());
  ::unsetenv("WEBMON_DB_PASSWORD");
}

}  // namespace
}  // namespace webmon::common
