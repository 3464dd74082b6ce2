#include "common/url_credentials.h"

#include <gtest/gtest.h>

namespace webmon::common {
namespace {

TEST(UrlCredentials, APasswordIsMaskedAndEverythingElseKeptAsWritten) {
  EXPECT_EQ(maskUrlPassword("http://user:s3cret@host/private"), "http://user:***@host/private");
  EXPECT_EQ(maskUrlPassword("https://ops:p%40ss@[::1]:8443/x?y=1#z"),
            "https://ops:***@[::1]:8443/x?y=1#z");
  // Two URLs that differ only by their password are one target.
  EXPECT_EQ(maskUrlPassword("http://u:old@host/"), maskUrlPassword("http://u:new@host/"));
  // An empty password is masked too: its absence is no one's business either.
  EXPECT_EQ(maskUrlPassword("http://u:@host/"), "http://u:***@host/");
}

TEST(UrlCredentials, NothingToMaskWithoutAPasswordInTheUserInfo) {
  for (const std::string url :
       {"http://host/private", "http://user@host/", "http://host:8080/a:b@c",
        "http://host/?q=a:b@c", "http://host/#a:b@c", "not a url", "tcp://host:443"}) {
    EXPECT_EQ(maskUrlPassword(url), url);
  }
}

TEST(UrlCredentials, TheProbeGetsTheUrlWithoutUserInfoAndTheDecodedCredentials) {
  const auto taken = takeOutCredentials("http://ops:p%40ss%3Aword@127.0.0.1:8080/private?a=1");
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->fetch_url, "http://127.0.0.1:8080/private?a=1");
  EXPECT_EQ(taken->credentials.user, "ops");
  EXPECT_EQ(taken->credentials.password, "p@ss:word");

  const auto user_only = takeOutCredentials("http://ops@127.0.0.1/");
  ASSERT_TRUE(user_only.has_value());
  EXPECT_EQ(user_only->fetch_url, "http://127.0.0.1/");
  EXPECT_EQ(user_only->credentials.user, "ops");
  EXPECT_EQ(user_only->credentials.password, "");

  EXPECT_FALSE(takeOutCredentials("http://127.0.0.1:8080/a:b@c").has_value());
  EXPECT_FALSE(takeOutCredentials("not a url").has_value());
}

}  // namespace
}  // namespace webmon::common
