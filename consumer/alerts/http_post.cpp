#include "consumer/alerts/http_post.h"

#include <algorithm>

#include "common/curl_handles.h"
#include "common/version.h"
#include "consumer/alerts/one_line.h"

namespace webmon::consumer::alerts {
namespace {

// Keeps the start of the receiver's answer: enough to say why it refused.
constexpr std::size_t kKeptAnswerBytes = 300;

std::size_t keepStart(char* data, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  if (answer->size() < kKeptAnswerBytes) {
    answer->append(data, std::min(bytes, kKeptAnswerBytes - answer->size()));
  }
  return bytes;
}

}  // namespace

DeliveryOutcome postJson(const PostRequest& request) {
  DeliveryOutcome outcome;
  common::CurlEasyPtr easy(curl_easy_init());
  if (!easy) {
    outcome.error = "libcurl could not make a handle (out of memory?)";
    return outcome;
  }
  common::CurlSlistPtr headers;
  common::appendLine(headers, "Content-Type: application/json");
  common::appendLine(headers, "Expect:");  // no 100-continue round trip for a small body
  for (const auto& [name, value] : request.headers) {
    common::appendLine(headers, name + ": " + value);
  }
  std::string answer;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* h = easy.get();
  const std::string agent = std::string("webmon-consumer/") + common::kVersion;
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // this runs on a thread of its own
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keepStart);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    // The error buffer may name the host; the URL itself (its path may hold a token) never.
    outcome.error = std::string(curl_easy_strerror(code)) +
                    (error_buffer[0] ? std::string(" (") + oneLine(error_buffer) + ")" : "");
    return outcome;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &outcome.status);
  outcome.delivered = outcome.status >= 200 && outcome.status < 300;
  if (!outcome.delivered) {
    outcome.error =
        "HTTP " + std::to_string(outcome.status) + (answer.empty() ? "" : ": " + oneLine(answer));
  }
  return outcome;
}

}  // namespace webmon::consumer::alerts
