#include "common/url_credentials.h"

#include <curl/curl.h>

#include <memory>

namespace webmon::common {
namespace {

struct CurlUrlCleanup {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlCleanup>;

struct CurlFree {
  void operator()(char* text) const { curl_free(text); }
};
using CurlText = std::unique_ptr<char, CurlFree>;

// One part of a parsed URL; nullopt when the URL has no such part.
std::optional<std::string> part(CURLU* handle, CURLUPart which, unsigned int flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(handle, which, &raw, flags) != CURLUE_OK) return std::nullopt;
  CurlText text(raw);
  return std::string(text.get());
}

}  // namespace

// The user info is what lies between "://" and the last '@' of the authority (which ends at
// the first '/', '?' or '#'); its password is what follows its first ':'. A password with '@'
// in it must be percent-encoded, as in any URL, so the last '@' is the right one.
std::string maskUrlPassword(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto authority = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority);
  const auto at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
  if (at == std::string::npos || at < authority) return url;
  const auto colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::optional<FetchUrl> takeOutCredentials(const std::string& url) {
  CurlUrl handle(curl_url());
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
                     CURLUE_OK) {
    return std::nullopt;
  }
  auto user = part(handle.get(), CURLUPART_USER, CURLU_URLDECODE);
  auto password = part(handle.get(), CURLUPART_PASSWORD, CURLU_URLDECODE);
  if (!user && !password) return std::nullopt;
  // Without them, libcurl writes the URL back in its normal form: what the probe fetches.
  curl_url_set(handle.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(handle.get(), CURLUPART_PASSWORD, nullptr, 0);
  auto fetch = part(handle.get(), CURLUPART_URL);
  if (!fetch) return std::nullopt;
  return FetchUrl{std::move(*fetch), {user.value_or(""), password.value_or("")}};
}

}  // namespace webmon::common
