#pragma once
// The alerts section of the config: when an incident opens and closes, and whom the consumer
// tells (README "Alerts"). Read by common/config_alerts.cpp, used by consumer/alerts/.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace webmon::common {

enum class ReceiverType { Webhook, Slack, Email };

/// Somewhere notifications go. The url may hold a token (Slack's incoming webhooks do):
/// taken from the environment or a file when the config says so, and never logged.
struct AlertReceiver {
  std::string name;
  ReceiverType type = ReceiverType::Webhook;
  std::string url;           // http(s):// for webhook and slack, smtp(s):// for email
  std::string shown_url;     // for logs and errors: scheme://host/... without path or query
  std::string bearer_token;  // webhook: sent as "Authorization: Bearer ..." when set
  std::chrono::milliseconds timeout{10'000};  // one delivery attempt, connect to last byte
  // email only
  std::string mail_from;             // the envelope and From: address
  std::vector<std::string> mail_to;  // every recipient, envelope and To:
  std::string username, password;    // SMTP AUTH, when the server wants it
  bool starttls = true;              // smtp://: upgrade with STARTTLS, refuse if it cannot
  std::string ca_file;               // the CA that signed the SMTP server's certificate
  bool operator==(const AlertReceiver&) const = default;
};

/// When a URL's incidents open and close, and how often a reminder goes out while one is open.
struct AlertRules {
  int confirm_down = 2;                  // failed periods in a row that open an incident
  int confirm_up = 1;                    // good periods in a row that close it
  std::chrono::seconds remind_every{0};  // 0: no reminders
  bool operator==(const AlertRules&) const = default;
};

/// A URL whose incidents open and close too often sends one "flapping" notice and then holds
/// its notifications until it has been quiet for a whole window.
struct FlappingRules {
  int transitions = 6;                // more than this many opens and closes in `window`...
  std::chrono::seconds window{3600};  // ...is flapping; 0 transitions: never
  bool operator==(const FlappingRules&) const = default;
};

/// A time when nobody is told about a URL (planned work): once, from `start` for `duration`,
/// or every week on `weekdays` at `at` for `duration`; the local times are in `time_zone`,
/// which PostgreSQL's time zone rules turn into instants (daylight saving included).
struct MaintenanceWindow {
  std::string name;
  std::string start;          // once: "2026-12-05T22:00" (local), else empty
  std::vector<int> weekdays;  // weekly: ISO days, 1 = Monday ... 7 = Sunday
  std::string at;             // weekly: "03:00" (local)
  std::chrono::seconds duration{0};
  std::string time_zone = "UTC";
  std::vector<std::string> urls;  // alerts.maintenance only: empty for every URL
  bool operator==(const MaintenanceWindow&) const = default;
};

struct AlertsConfig {
  AlertRules rules;
  FlappingRules flapping;
  std::vector<MaintenanceWindow> maintenance;
  std::vector<AlertReceiver> receivers;  // none: nothing is sent
  // The longest wait between two attempts at a failing receiver (the back-off doubles from
  // 5 s, or from this when it is shorter).
  std::chrono::seconds retry_max{300};
  bool operator==(const AlertsConfig&) const = default;
};

/// A monitored URL's own alerts key: `false` (nothing sent for it), or rules and receivers
/// (by name) that replace the section's for this URL.
struct UrlAlerts {
  bool enabled = true;
  std::optional<int> confirm_down, confirm_up;
  std::optional<std::chrono::seconds> remind_every;
  std::optional<std::vector<std::string>> receivers;  // unset: every receiver
  std::vector<MaintenanceWindow> maintenance;         // this URL's own, besides the section's
  bool operator==(const UrlAlerts&) const = default;
};

}  // namespace webmon::common
