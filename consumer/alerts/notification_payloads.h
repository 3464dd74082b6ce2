#pragma once
// What a receiver is sent for one outbox row: an Alertmanager-compatible webhook body
// (payload version 4, plus a `webmon` object), or a Slack incoming-webhook message. A flapping
// notice is an alert of its own, WebmonTargetFlapping.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/alerts_config.h"

namespace webmon::consumer::alerts {

/// One row of the notifications table, as the dispatcher claimed it.
struct Notification {
  std::int64_t id = 0;
  std::string event_id;  // a UUID; the Idempotency-Key
  std::int64_t incident_id = 0;
  std::string receiver;
  std::string kind;  // firing, resolved, reminder or flapping
  nlohmann::json event;
  int attempts = 0;  // before this one
  int reminder = 0;  // reminders only: the how-manyth
};

/// One line for people: "shop is down (timeout) since …", "shop is up again after 2m 5s".
std::string notificationSummary(const Notification& notification);
/// "1h 2m 5s", "45s".
std::string humanDuration(double seconds);

std::string webhookPayload(const Notification& notification);
std::string slackPayload(const Notification& notification);
std::string payloadFor(common::ReceiverType type, const Notification& notification);

}  // namespace webmon::consumer::alerts
