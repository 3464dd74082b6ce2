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
  ConfigFile(const std::string& db_json, mode_t mode,
             const std::string& urls_json = R"([{"url": "http://127.0.0.1:8080/"}])") {
    char name[] = "/tmp/webmon-permissions-XXXXXX";
    const int fd = ::mkstemp(name);
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << R"({"kafka": {"bootstrap_servers": ["127.0.0.1:9092"]},
      "monitored_urls": )"
                         << urls_json << R"(, "db": )" << db_json << "}";
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

// A target's password counts as the file's secret too: in a URL's user info or as an
// Authorization header, even when another secret of the file comes from the environment.
TEST(ConfigPermissions, ATargetsPasswordInTheFileIsWarnedAboutByItsKey) {
  ConfigFile in_url(R"({"user": "webmon"})", 0644,
                    R"([{"url": "http://127.0.0.1/"}, {"url": "http://ops:hunter2@127.0.0.1/x"}])");
  const auto warning = worldReadableSecretsWarning(in_url.path());
  ASSERT_TRUE(warning.has_value());
  EXPECT_THAT(*warning, HasSubstr("monitored_urls[1].url"));
  EXPECT_THAT(*warning, HasSubstr("basic_auth.password_env"));
  EXPECT_THAT(*warning, Not(HasSubstr("hunter2")));

  ConfigFile in_header(R"({"user": "webmon"})", 0644,
                       R"([{"url": "http://127.0.0.1/", "headers": {"authorization": "Bearer x"}},
                           {"url": "http://127.0.0.1/y", "basic_auth": {"user": "u",
                            "password_env": "WEBMON_TEST_UNSET_PASSWORD"}}])");
  const auto header_warning = worldReadableSecretsWarning(in_header.path());
  ASSERT_TRUE(header_warning.has_value());
  EXPECT_THAT(*header_warning, HasSubstr("monitored_urls[0].headers.authorization"));

  ConfigFile private_file(R"({"user": "webmon"})", 0600,
                          R"([{"url": "http://ops:hunter2@127.0.0.1/x"}])");
  EXPECT_FALSE(worldReadableSecretsWarning(private_file.path()).has_value());
  // Written as web-monitor's example is, with a trailing comma the config reader forgives.
  ConfigFile trailing_comma(R"({"user": "webmon",})", 0644,
                            R"([{"url": "http://ops:hunter2@127.0.0.1/x"},])");
  const auto trailing_warning = worldReadableSecretsWarning(trailing_comma.path());
  ASSERT_TRUE(trailing_warning.has_value());
  EXPECT_THAT(*trailing_warning, HasSubstr("monitored_urls[0].url"));

  ConfigFile user_only(R"({"user": "webmon"})", 0644, R"([{"url": "http://ops@127.0.0.1/x"}])");
  EXPECT_FALSE(worldReadableSecretsWarning(user_only.path()).has_value());
}

}  // namespace
}  // namespace webmon::common
