// The mail an email receiver gets: headers that say what happened and cannot be broken by a
// name or URL from a report, the notification's event_id as Message-ID, and a base64 UTF-8
// body with the facts, every line within SMTP's limits.

#include "consumer/alerts/email_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "consumer/alerts/notification_event.h"

namespace webmon::consumer::alerts {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string decodeBase64(const std::string& text) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const auto value = alphabet.find(c);
    if (value == std::string::npos) continue;  // line breaks and padding
    buffer = buffer << 6 | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(buffer >> bits & 0xFF);
    }
  }
  return out;
}

common::AlertReceiver mailReceiver() {
  common::AlertReceiver receiver;
  receiver.name = "mail";
  receiver.type = common::ReceiverType::Email;
  receiver.url = "smtp://mail.example:587";
  receiver.mail_from = "webmon@example.com";
  receiver.mail_to = {"ops@example.com", "oncall@example.com"};
  return receiver;
}

Notification firingNotification(const std::string& name, const std::string& error) {
  common::ProbeReport report;
  report.url = "https://shop.example/health";
  report.name = name;
  report.checked_at = *common::parseRfc3339("2026-12-01T10:01:00Z");
  report.ok = false;
  report.http_status = 503;
  report.response_time_ms = 12.5;
  report.error = common::ProbeError{common::ErrorKind::Http, error};
  report.producer_id = "probe-eu";
  report.region = "eu-west";
  MonitorState state;
  state.run_started_at = *common::parseRfc3339("2026-12-01T10:00:00Z");
  state.run_error_kind = "http";
  state.run_error = error;
  state.failures_in_row = 2;
  Notification n;
  n.event_id = "0193f0a2-0000-7000-8000-000000000001";
  n.incident_id = 42;
  n.receiver = "mail";
  n.kind = "firing";
  n.event = firingEvent(report, MonitorStatus::Up, state);
  return n;
}

// Header name -> value, the folded lines joined; and the body after the blank line.
struct Parsed {
  std::map<std::string, std::string> headers;
  std::string body;
};
Parsed parse(const std::string& message) {
  Parsed parsed;
  const auto end = message.find("\r\n\r\n");
  std::string last;
  std::istringstream lines(message.substr(0, end + 2));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line[0] == ' ') {
      parsed.headers[last] += line;
    } else {
      last = line.substr(0, line.find(':'));
      parsed.headers[last] = line.substr(line.find(':') + 2);
    }
  }
  parsed.body = message.substr(end + 4);
  return parsed;
}

const auto kNow = *common::parseRfc3339("2026-12-02T21:30:49Z");

TEST(EmailMessage, HeadersSayWhatHappenedAndTheEventIdIsTheMessageId) {
  const auto message =
      parse(emailMessage(mailReceiver(), firingNotification("shop", "HTTP 503"), kNow));
  EXPECT_EQ(message.headers.at("Date"), "Wed, 02 Dec 2026 21:30:49 +0000");
  EXPECT_EQ(message.headers.at("From"), "webmon <webmon@example.com>");
  EXPECT_EQ(message.headers.at("To"), "ops@example.com, oncall@example.com");
  EXPECT_EQ(message.headers.at("Subject"),
            "[webmon] DOWN: shop is down (http) since 2026-12-01T10:00:00.000Z");
  EXPECT_EQ(message.headers.at("Message-ID"), "<0193f0a2-0000-7000-8000-000000000001@example.com>");
  EXPECT_EQ(message.headers.at("X-Webmon-Kind"), "firing");
  EXPECT_EQ(message.headers.at("X-Webmon-Incident-Id"), "42");
  EXPECT_EQ(message.headers.at("Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(message.headers.at("Auto-Submitted"), "auto-generated");
}

TEST(EmailMessage, TheBodyHasTheFactsInCrlfUtf8) {
  const auto message =
      parse(emailMessage(mailReceiver(), firingNotification("shop", "HTTP 503 — «down»"), kNow));
  const std::string body = decodeBase64(message.body);
  EXPECT_THAT(body, HasSubstr("URL: https://shop.example/health\r\n"));
  EXPECT_THAT(body, HasSubstr("Failed probes: 2\r\n"));
  EXPECT_THAT(body, HasSubstr("Error: HTTP 503 — «down»\r\n"));
  EXPECT_THAT(body, HasSubstr("HTTP status: 503\r\n"));
  EXPECT_THAT(body, HasSubstr("Producer: probe-eu\r\nRegion: eu-west\r\n"));
  EXPECT_THAT(body, HasSubstr("notification 0193f0a2-0000-7000-8000-000000000001 (firing)"));
  EXPECT_THAT(body, Not(HasSubstr("Lasted")));
}

TEST(EmailMessage, ANameWithLineBreaksOrNonAsciiCannotBreakTheHeaders) {
  const std::string raw =
      emailMessage(mailReceiver(),
                   firingNotification("shop\r\nBcc: victim@example.net\r\n\r\nöffnen", "x"), kNow);
  const auto message = parse(raw);
  EXPECT_EQ(message.headers.count("Bcc"), 0u);
  const std::string& subject = message.headers.at("Subject");
  EXPECT_THAT(subject, HasSubstr("=?UTF-8?B?"));
  // Each encoded word decodes to part of the subject; together they are the whole of it.
  std::string decoded;
  for (std::size_t at = subject.find("=?UTF-8?B?"); at != std::string::npos;
       at = subject.find("=?UTF-8?B?", at + 1)) {
    const auto start = at + 10;
    decoded += decodeBase64(subject.substr(start, subject.find("?=", start) - start));
  }
  EXPECT_THAT(decoded, HasSubstr("shop  Bcc: victim@example.net    öffnen is down"));
  for (std::size_t start = 0, end; (end = raw.find("\r\n", start)) != std::string::npos;
       start = end + 2) {
    EXPECT_LE(end - start, 998u) << "line at byte " << start;
    EXPECT_EQ(raw.substr(start, end - start).find('\n'), std::string::npos);
  }
}

TEST(EmailMessage, SubjectsForReminderAndResolved) {
  auto n = firingNotification("shop", "HTTP 503");
  n.kind = "reminder";
  n.reminder = 3;
  EXPECT_EQ(emailSubject(n),
            "[webmon] STILL DOWN: shop is down (http) since 2026-12-01T10:00:00.000Z (reminder 3)");
  n.kind = "resolved";
  n.event["state"] = "up";
  n.event["duration_s"] = 125.0;
  EXPECT_EQ(emailSubject(n), "[webmon] RESOLVED: shop is up again after 2m 5s");
}

}  // namespace
}  // namespace webmon::consumer::alerts
