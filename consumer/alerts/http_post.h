#pragma once
// One HTTP POST of a JSON body with libcurl, as a notification is delivered: a fresh easy
// handle per call (deliveries are rare), a hard time limit, and the outcome in one struct.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace webmon::consumer::alerts {

struct PostOutcome {
  bool delivered = false;  // a 2xx answer
  long http_status = 0;    // 0: no answer (connect failed, timed out)
  std::string error;       // why not delivered, for logs and the outbox row (no URL in it)
};

struct PostRequest {
  std::string url;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000};
};

PostOutcome postJson(const PostRequest& request);

}  // namespace webmon::consumer::alerts
