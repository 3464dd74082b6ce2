#pragma once
// One mail handed to an SMTP server with libcurl: STARTTLS required on smtp:// (unless the
// receiver says starttls false), TLS from the first byte on smtps://, the server's
// certificate verified, AUTH when a username is given, and a hard time limit.

#include <chrono>
#include <string>
#include <vector>

#include "consumer/alerts/delivery_outcome.h"

namespace webmon::consumer::alerts {

struct MailRequest {
  std::string url;  // smtp://host:port or smtps://host:port
  std::string from;
  std::vector<std::string> to;
  std::string username, password;
  bool starttls = true;
  std::string ca_file;  // empty: the system's CAs
  std::string message;  // headers and body, CRLF (email_message.h)
  std::chrono::milliseconds timeout{10'000};
};

/// Delivered: the server accepted the message for every recipient (250 after DATA).
DeliveryOutcome sendMail(const MailRequest& request);

}  // namespace webmon::consumer::alerts
