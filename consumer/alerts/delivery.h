#pragma once
// One attempt at handing a notification to its receiver, by the receiver's kind: a JSON POST
// for webhook and slack (http_post.h), a mail for email (smtp_mail.h).

#include "common/alerts_config.h"
#include "consumer/alerts/delivery_outcome.h"
#include "consumer/alerts/notification_payloads.h"

namespace webmon::consumer::alerts {

DeliveryOutcome deliver(const common::AlertReceiver& receiver, const Notification& notification);

}  // namespace webmon::consumer::alerts
