#pragma once
// Credentials written into a target's URL (http://user:secret@host/private): the probe sends
// them, nothing else may show them. The URL that names the target everywhere else (reports,
// Kafka keys, rows, metrics, logs) has its password replaced by ***, so it never leaves the
// producer, and changing only the password keeps the target's history under one URL.

#include <optional>
#include <string>

namespace webmon::common {

/// What goes into the Authorization header of a probe (HTTP basic authentication).
struct BasicAuth {
  std::string user;
  std::string password;
  bool operator==(const BasicAuth&) const = default;
};

/// `url` as written, with the password of its user info (scheme://user:password@host/...)
/// replaced by ***; anything without a password unchanged. Works on any text, a URL the
/// config refuses included, so error messages can show it.
std::string maskUrlPassword(const std::string& url);

/// A URL taken apart for probing: `fetch_url` without the user info, and the credentials it
/// held (percent-decoded, as libcurl sends them). nullopt when the URL holds no user info;
/// `credentials` has an empty password when the URL names a user only.
struct FetchUrl {
  std::string fetch_url;
  BasicAuth credentials;
};
std::optional<FetchUrl> takeOutCredentials(const std::string& url);

}  // namespace webmon::common
