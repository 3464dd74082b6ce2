#pragma once
// Setting up one probe's easy handle: every option checked, the first one libcurl refuses kept
// so the probe can fail with it named. The groups of options CurlProber sets per probe.

#include "common/config.h"
#include "producer/curl_transfer.h"

namespace webmon::producer {

// Sets options on one easy handle and keeps the first one libcurl refused (built without a
// feature, out of memory, a value over its limits): that probe fails with the option named,
// rather than probing with settings nobody asked for.
class EasyOptions {
 public:
  explicit EasyOptions(CURL* easy) : easy_(easy) {}
  template <typename Value>
  void set(CURLoption option, Value value) {
    const CURLcode code = curl_easy_setopt(easy_, option, value);
    if (code != CURLE_OK && refused_ == CURLE_OK) {
      refused_ = code;
      refused_option_ = option;
    }
  }
  CURLcode refused() const noexcept { return refused_; }
  std::string describeRefusal() const {
    const curl_easyoption* option = curl_easy_option_by_id(refused_option_);
    return std::string("libcurl refused option CURLOPT_") +
           (option != nullptr ? option->name : "?") + ": " + curl_easy_strerror(refused_);
  }

 private:
  CURL* easy_;
  CURLcode refused_ = CURLE_OK;
  CURLoption refused_option_{};
};

/// What to connect to (tcp:// and tls:// as the http(s):// libcurl knows), and for how long:
/// the URL's timeout less the `lookup_ms` its host name took.
void setTarget(EasyOptions& options, Transfer& transfer, const common::MonitoredUrl& url,
               double lookup_ms);
/// Certificates: a private CA, the expiry for the report, verification.
void setTls(EasyOptions& options, const common::MonitoredUrl& url);
/// The request: method, body, headers, and where the response body goes.
void setRequest(EasyOptions& options, Transfer& transfer, const common::MonitoredUrl& url);

}  // namespace webmon::producer
