#include "consumer/alerts/smtp_mail.h"

#include <algorithm>
#include <cstring>

#include "common/curl_handles.h"
#include "consumer/alerts/one_line.h"

namespace webmon::consumer::alerts {
namespace {

struct Upload {
  const std::string& data;
  std::size_t sent = 0;
};

std::size_t readMessage(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t bytes = std::min(size * count, upload->data.size() - upload->sent);
  std::memcpy(buffer, upload->data.data() + upload->sent, bytes);
  upload->sent += bytes;
  return bytes;
}

// libcurl asks SMTP servers for its own name in EHLO; the host's is what servers expect and
// what shows in their logs.
std::string ehloUrl(const std::string& url) {
  const auto host_start = url.find("://") + 3;
  const auto path = url.find('/', host_start);
  return path == std::string::npos ? url : url.substr(0, path);
}

}  // namespace

DeliveryOutcome sendMail(const MailRequest& request) {
  DeliveryOutcome outcome;
  common::CurlEasyPtr easy(curl_easy_init());
  if (!easy) {
    outcome.error = "libcurl could not make a handle (out of memory?)";
    return outcome;
  }
  common::CurlSlistPtr recipients;
  for (const auto& address : request.to) common::appendLine(recipients, "<" + address + ">");
  const std::string from = "<" + request.from + ">";
  const std::string url = ehloUrl(request.url);
  Upload upload{request.message};
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, readMessage);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.message.size()));
  // smtp:// without STARTTLS would send the message, and any password, in clear: required
  // unless the receiver turned it off (a relay on the same host).
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   static_cast<long>(request.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  if (!request.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, request.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, request.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // this runs on a thread of its own
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  const CURLcode code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &outcome.status);
  if (code != CURLE_OK) {
    outcome.error = std::string(curl_easy_strerror(code)) +
                    (error_buffer[0] ? std::string(" (") + oneLine(error_buffer) + ")" : "");
    if (outcome.status > 0) outcome.error += ", SMTP " + std::to_string(outcome.status);
    return outcome;
  }
  outcome.delivered = true;
  return outcome;
}

}  // namespace webmon::consumer::alerts
