#include "producer/curl_transfer.h"

#include <ctime>
#include <stdexcept>
#include <string_view>

namespace webmon::producer {

size_t discardBody(char*, size_t size, size_t count, void*) { return size * count; }

size_t keepBodyPrefix(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  const std::size_t room = transfer->body_limit - transfer->body.size();
  if (length <= room) {
    transfer->body.append(data, length);
    return length;
  }
  transfer->body.append(data, room);
  transfer->body_truncated = true;
  return 0;
}

// libcurl (OpenSSL) describes each certificate as "Name:value" lines; the server's own
// certificate comes first, and its "Expire date" reads like "Dec 31 00:00:00 2099 GMT".
std::optional<common::SystemTime> leafCertificateExpiry(CURL* easy) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr ||
      info->num_of_certs < 1) {
    return std::nullopt;
  }
  constexpr std::string_view kPrefix = "Expire date:";
  for (curl_slist* line = info->certinfo[0]; line != nullptr; line = line->next) {
    const std::string_view text(line->data);
    if (text.substr(0, kPrefix.size()) != kPrefix) continue;
    std::tm parts{};
    const std::string value(text.substr(kPrefix.size()));
    const char* end = strptime(value.c_str(), "%b %d %H:%M:%S %Y GMT", &parts);
    if (end == nullptr) return std::nullopt;
    return common::SystemTime(std::chrono::seconds(timegm(&parts)));
  }
  return std::nullopt;
}

}  // namespace webmon::producer
