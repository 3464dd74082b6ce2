#pragma once
// One HTTP POST of a JSON body with libcurl, as a notification is delivered: a fresh easy
// handle per call (deliveries are rare), a hard time limit, and the outcome in one struct.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "consumer/alerts/delivery_outcome.h"

namespace webmon::consumer::alerts {

struct PostRequest {
  std::string url;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000};
};

DeliveryOutcome postJson(const PostRequest& request);

}  // namespace webmon::consumer::alerts
