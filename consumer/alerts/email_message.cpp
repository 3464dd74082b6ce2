#include "consumer/alerts/email_message.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace webmon::consumer::alerts {
namespace {

constexpr std::size_t kBase64LineLength = 76;

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto n = static_cast<unsigned char>(data[i]) << 16 |
                   static_cast<unsigned char>(data[i + 1]) << 8 |
                   static_cast<unsigned char>(data[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i < data.size()) {
    unsigned n = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// A header value with nothing in it that could end the header (a URL or a name from a
// report may hold anything), as RFC 2047 encoded words when it is not plain ASCII.
std::string headerValue(std::string text) {
  bool ascii = true;
  for (auto& c : text) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    if (static_cast<unsigned char>(c) >= 0x80) ascii = false;
  }
  if (ascii && text.size() <= 900) return text;
  // Encoded words are at most 75 characters: 45 bytes of base64 input each, cut so that no
  // UTF-8 sequence is split between two words, and at most ~600 bytes in all.
  std::string out;
  std::size_t start = 0;
  while (start < text.size() && start < 600) {
    std::size_t end = std::min(text.size(), start + 45);
    while (end < text.size() && end > start &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (end == start) end = std::min(text.size(), start + 45);
    out += (out.empty() ? "" : "\r\n ") + std::string("=?UTF-8?B?") +
           base64(std::string_view(text).substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

// RFC 5322's date: "Wed, 02 Dec 2026 21:30:49 +0000", in English whatever the locale.
std::string mailDate(common::SystemTime now) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday],
                utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return text;
}

std::string text(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string body(const Notification& n) {
  const auto& e = n.event;
  const auto probe = e.value("probe", nlohmann::json::object());
  std::string out = notificationSummary(n) + "\n\n";
  const auto line = [&](const char* label, const std::string& value) {
    if (!value.empty()) out += std::string(label) + ": " + value + "\n";
  };
  line("URL", text(e, "url"));
  line("Name", text(e, "name"));
  line("State", text(e, "state"));
  line("Previous state", text(e, "previous_state"));
  line("Down since", text(e, "opened_at"));
  line("Flapping since", text(e, "flapping_since"));
  line("Up since", text(e, "closed_at"));
  if (n.kind == "resolved") line("Lasted", humanDuration(e.value("duration_s", 0.0)));
  line("Failed probes", text(e, "failed_probes"));
  line("Cause", text(e, "error_kind"));
  line("Error", text(e, "error"));
  line("Last probe", text(probe, "checked_at"));
  line("HTTP status", text(probe, "http_status"));
  line("Response", probe.contains("response_ms") ? text(probe, "response_ms") + " ms" : "");
  if (const auto timings = probe.value("timings", nlohmann::json::object()); !timings.empty()) {
    std::string phases;
    for (const auto& [phase, ms] : timings.items()) {
      phases += (phases.empty() ? "" : ", ") + phase + " " + ms.dump();
    }
    line("Timings", phases);
  }
  line("Producer", text(probe, "producer_id"));
  line("Region", text(probe, "region"));
  out += "\nIncident " + std::to_string(n.incident_id) + ", notification " + n.event_id + " (" +
         n.kind + ") to receiver " + n.receiver + ".\n";
  return out;
}

}  // namespace

std::string emailSubject(const Notification& n) {
  const char* tag = n.kind == "resolved"   ? "RESOLVED"
                    : n.kind == "reminder" ? "STILL DOWN"
                    : n.kind == "flapping" ? "FLAPPING"
                                           : "DOWN";
  return std::string("[webmon] ") + tag + ": " + notificationSummary(n);
}

std::string emailMessage(const common::AlertReceiver& receiver, const Notification& n,
                         common::SystemTime now) {
  const auto domain = receiver.mail_from.substr(receiver.mail_from.find('@') + 1);
  std::string to;
  for (const auto& address : receiver.mail_to) to += (to.empty() ? "" : ",\r\n ") + address;
  std::string message = "Date: " + mailDate(now) + "\r\n" +  //
                        "From: webmon <" + receiver.mail_from + ">\r\n" + "To: " + to + "\r\n" +
                        "Subject: " + headerValue(emailSubject(n)) + "\r\n" + "Message-ID: <" +
                        n.event_id + "@" + domain + ">\r\n" + "X-Webmon-Event-Id: " + n.event_id +
                        "\r\n" + "X-Webmon-Incident-Id: " + std::to_string(n.incident_id) + "\r\n" +
                        "X-Webmon-Kind: " + n.kind + "\r\n" + "Auto-Submitted: auto-generated\r\n" +
                        "MIME-Version: 1.0\r\n" + "Content-Type: text/plain; charset=utf-8\r\n" +
                        "Content-Transfer-Encoding: base64\r\n\r\n";
  // Text is CRLF on the wire (RFC 2045's canonical form), also inside the base64.
  std::string text_body;
  for (const char c : body(n)) {
    if (c == '\n') text_body += '\r';
    text_body += c;
  }
  const std::string encoded = base64(text_body);
  for (std::size_t i = 0; i < encoded.size(); i += kBase64LineLength) {
    message += encoded.substr(i, kBase64LineLength) + "\r\n";
  }
  return message;
}

}  // namespace webmon::consumer::alerts
