// A target's credentials in the config: a password in the URL is masked in everything but the
// probe, basic_auth takes it from the environment or a file, and no error shows it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "common/config.h"
#include "common/config_error.h"
#include "tests/support/fake_environment.h"

namespace webmon::common {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using webmon::testing::environment;

std::string withUrls(const std::string& urls) {
  return R"({"kafka": {"bootstrap_servers": ["127.0.0.1:9092"]}, "monitored_urls": )" + urls + "}";
}

std::vector<std::string> problemsOf(const std::string& urls, const EnvLookup& env = {}) {
  try {
    parseConfig(withUrls(urls), env ? env : environment({}));
  } catch (const ConfigError& error) {
    return error.problems();
  }
  return {};
}

TEST(ConfigCredentials, APasswordInTheUrlIsMaskedInItsNameAndIdentityButSentByTheProbe) {
  const auto config = parseConfig(
      withUrls(R"([{"url": "http://ops:s3cret@127.0.0.1:8080/private"}])"), environment({}));
  const auto& url = config.monitored_urls.at(0);
  EXPECT_EQ(url.url, "http://ops:***@127.0.0.1:8080/private");
  EXPECT_EQ(url.name, url.url);
  EXPECT_EQ(url.fetch_url, "http://127.0.0.1:8080/private");
  ASSERT_TRUE(url.basic_auth.has_value());
  EXPECT_EQ(url.basic_auth->user, "ops");
  EXPECT_EQ(url.basic_auth->password, "s3cret");
  EXPECT_TRUE(url.password_in_url);
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
}

TEST(ConfigCredentials, AUrlWithoutUserInfoIsFetchedAsWritten) {
  const auto config =
      parseConfig(withUrls(R"([{"url": "http://127.0.0.1:8080/ok"}])"), environment({}));
  const auto& url = config.monitored_urls.at(0);
  EXPECT_EQ(url.url, "http://127.0.0.1:8080/ok");
  EXPECT_TRUE(url.fetch_url.empty());
  EXPECT_FALSE(url.basic_auth.has_value());
  EXPECT_FALSE(url.password_in_url);
}

TEST(ConfigCredentials, BasicAuthTakesThePasswordFromTheEnvironmentOrAFile) {
  char path[] = "/tmp/webmon-password-XXXXXX";
  const int fd = ::mkstemp(path);
  ::close(fd);
  std::ofstream(path) << "from-file\n";
  const auto config = parseConfig(withUrls(R"([
      {"url": "http://127.0.0.1:8080/a", "basic_auth": {"user": "a", "password_env": "A_PW"}},
      {"url": "http://127.0.0.1:8080/b", "basic_auth": {"user": "b", "password_file": ")" +
                                           std::string(path) + R"("}}])"),
                                  environment({{"A_PW", "from-env"}}));
  ::unlink(path);
  ASSERT_EQ(config.monitored_urls.size(), 2u);
  EXPECT_EQ(config.monitored_urls[0].basic_auth, (BasicAuth{"a", "from-env"}));
  EXPECT_EQ(config.monitored_urls[1].basic_auth, (BasicAuth{"b", "from-file"}));
  EXPECT_EQ(config.monitored_urls[1].url, "http://127.0.0.1:8080/b");
  EXPECT_FALSE(config.monitored_urls[1].password_in_url);
}

TEST(ConfigCredentials, ChangingOnlyThePasswordKeepsTheTargetButIsADifferentProbe) {
  const auto before =
      parseConfig(withUrls(R"([{"url": "http://u:old@127.0.0.1/"}])"), environment({}));
  const auto after =
      parseConfig(withUrls(R"([{"url": "http://u:new@127.0.0.1/"}])"), environment({}));
  EXPECT_EQ(before.monitored_urls[0].url, after.monitored_urls[0].url);
  EXPECT_NE(before.monitored_urls[0], after.monitored_urls[0]);  // a reload sends the new one
  // Two entries that differ only by their password are one target, said without either.
  const auto problems =
      problemsOf(R"([{"url": "http://u:one@127.0.0.1/"}, {"url": "http://u:two@127.0.0.1/"}])");
  ASSERT_THAT(problems, ElementsAre(HasSubstr("monitored_urls[1].url: duplicates")));
  EXPECT_THAT(problems[0],
              AllOf(HasSubstr("u:***@"), Not(HasSubstr("one")), Not(HasSubstr("two"))));
}

TEST(ConfigCredentials, ErrorsNameThePathAndTheRuleAndNeverThePassword) {
  const auto env = environment({{"EMPTY", ""}});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([{"url": "http://u:hunter2@exa mple/"}])", "monitored_urls[0].url: must not contain"},
      {R"([{"url": "tcp://u:hunter2@127.0.0.1:22", "type": "tcp"}])",
       "monitored_urls[0].url: must not hold a user or password (a tcp probe sends none)"},
      {R"([{"url": "http://u:hunter2@127.0.0.1/", "basic_auth": {"user": "u", "password_env": "X"}}])",
       "monitored_urls[0].basic_auth: cannot be used with a user or password in the url"},
      {R"([{"url": "http://127.0.0.1/", "basic_auth": {"user": "u"}}])",
       "monitored_urls[0].basic_auth: must have one of password_env"},
      {R"([{"url": "http://127.0.0.1/", "basic_auth": {"user": "u", "password_env": "NOPE"}}])",
       "monitored_urls[0].basic_auth.password_env: names an environment variable that is not set"},
      {R"([{"url": "http://127.0.0.1/", "basic_auth": {"user": "u", "password_env": "EMPTY"}}])",
       "monitored_urls[0].basic_auth.password_env: names an environment variable that is not set"},
      {R"([{"url": "http://127.0.0.1/", "basic_auth": {"user": "u", "password_file": "/nonexistent/pw"}}])",
       "monitored_urls[0].basic_auth.password_file: cannot be read (No such file or directory)"},
      {R"([{"url": "http://127.0.0.1/", "basic_auth": {"user": "a:b", "password_env": "EMPTY"}}])",
       "monitored_urls[0].basic_auth.user: must not contain ':'"},
      {R"([{"url": "http://127.0.0.1/", "basic_auth": {"password_env": "X", "password": "hunter2"}}])",
       "monitored_urls[0].basic_auth.password: unknown key"},
      {R"([{"url": "dns://example.test", "type": "dns", "basic_auth": {"user": "u", "password_env": "X"}}])",
       "monitored_urls[0].basic_auth: is for http probes only"},
      {R"([{"url": "http://127.0.0.1/", "basic_auth": "u:hunter2"}])",
       "monitored_urls[0].basic_auth: must be an object"},
  };
  for (const auto& [urls, expected] : cases) {
    const auto problems = problemsOf(urls, env);
    ASSERT_FALSE(problems.empty()) << urls;
    EXPECT_THAT(problems, ::testing::Contains(HasSubstr(expected))) << urls;
    for (const auto& problem : problems) EXPECT_THAT(problem, Not(HasSubstr("hunter2"))) << urls;
  }
}

}  // namespace
}  // namespace webmon::common
