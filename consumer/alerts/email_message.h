#pragma once
// The mail an email receiver is sent for one notification: an RFC 5322 message with a
// subject that says what happened, a plain-text body with the facts, and a Message-ID made
// of the notification's event_id, so the rare repeat after a crash is the same message.

#include <string>

#include "common/alerts_config.h"
#include "common/probe_report.h"
#include "consumer/alerts/notification_payloads.h"

namespace webmon::consumer::alerts {

/// Header lines and body, CRLF line ends, every line under SMTP's 998-byte limit; the body
/// is UTF-8 sent as base64, so any error text gets through any server.
std::string emailMessage(const common::AlertReceiver& receiver, const Notification& notification,
                         common::SystemTime now);

/// "[webmon] DOWN: shop is down (timeout) since …": the Subject header's text.
std::string emailSubject(const Notification& notification);

}  // namespace webmon::consumer::alerts
