#include "consumer/alerts/http_post.h"

#include <curl/curl.h>

#include <memory>

#include "common/version.h"

namespace webmon::consumer::alerts {
namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

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

std::string oneLine(std::string text) {
  for (auto& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

PostOutcome postJson(const PostRequest& request) {
  PostOutcome outcome;
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) {
    outcome.error = "libcurl could not make a handle (out of memory?)";
    return outcome;
  }
  std::unique_ptr<curl_slist, ListDeleter> headers;
  const auto add = [&](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown) {
      (void)headers.release();
      headers.reset(grown);
    }
  };
  add("Content-Type: application/json");
  add("Expect:");  // no 100-continue round trip for a small body
  for (const auto& [name, value] : request.headers) add(name + ": " + value);
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
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &outcome.http_status);
  outcome.delivered = outcome.http_status >= 200 && outcome.http_status < 300;
  if (!outcome.delivered) {
    outcome.error = "HTTP " + std::to_string(outcome.http_status) +
                    (answer.empty() ? "" : ": " + oneLine(answer));
  }
  return outcome;
}

}  // namespace webmon::consumer::alerts
