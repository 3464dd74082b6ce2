#include "common/probe_url.h"

#include <curl/curl.h>

#include <cstdlib>
#include <string_view>

#include "common/probe_report.h"

namespace webmon::common {
namespace {

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

// Uses libcurl's own URL parser, so what we accept is exactly what the prober can fetch.
std::optional<std::string> checkProbeUrl(const std::string& url, ProbeType type) {
  if (url.size() > kMaxUrlLength) {
    return "must be at most " + std::to_string(kMaxUrlLength) + " characters";
  }
  for (unsigned char c : url) {
    if (c <= ' ' || c == 0x7f) return "must not contain spaces or control characters";
  }
  CURLU* handle = curl_url();
  if (handle == nullptr) return "cannot be checked (out of memory)";
  std::optional<std::string> problem;
  if (curl_url_set(handle, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    problem = "must be a valid URL such as https://example.com/health";
  } else {
    char* scheme = nullptr;
    char* host = nullptr;
    curl_url_get(handle, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(handle, CURLUPART_HOST, &host, 0);
    char* port = nullptr;
    char* path = nullptr;
    curl_url_get(handle, CURLUPART_PORT, &port, 0);
    curl_url_get(handle, CURLUPART_PATH, &path, 0);
    const std::string scheme_text = scheme ? lowercase(scheme) : "";
    const bool path_empty = path == nullptr || std::string_view(path) == "/";
    if (type == ProbeType::Http && scheme_text != "http" && scheme_text != "https") {
      problem = "must start with http:// or https://";
    } else if (type == ProbeType::Tcp && (scheme_text != "tcp" || !port || !path_empty)) {
      problem = "must be tcp://host:port for type tcp";
    } else if (type == ProbeType::Tls && (scheme_text != "tls" || !port || !path_empty)) {
      problem = "must be tls://host:port for type tls";
    } else if (type == ProbeType::Dns && (scheme_text != "dns" || port || !path_empty)) {
      problem = "must be dns://name for type dns";
    } else if (host == nullptr || *host == '\0') {
      problem = "must name a host";
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
  }
  curl_url_cleanup(handle);
  return problem;
}

// libcurl knows http's and https's default ports; tcp:// and tls:// always name theirs.
std::optional<Endpoint> probeEndpoint(const std::string& url) {
  CURLU* handle = curl_url();
  if (handle == nullptr) return std::nullopt;
  char* host = nullptr;
  char* port = nullptr;
  std::optional<Endpoint> endpoint;
  if (curl_url_set(handle, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
      curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(handle, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    endpoint = Endpoint{host, std::atoi(port)};
  }
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(handle);
  return endpoint;
}

}  // namespace webmon::common
