#pragma once
// libcurl's handles as RAII, for the producer's probes and the consumer's notifications.

#include <curl/curl.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace webmon::common {

struct CurlEasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlMultiDeleter {
  void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};
using CurlMultiPtr = std::unique_ptr<CURLM, CurlMultiDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

/// Appends one line to `list`; throws std::runtime_error when libcurl cannot (out of
/// memory), leaving `list` as it was.
inline void appendLine(CurlSlistPtr& list, const std::string& line) {
  curl_slist* appended = curl_slist_append(list.get(), line.c_str());
  if (appended == nullptr) throw std::runtime_error("curl_slist_append failed (out of memory?)");
  (void)list.release();  // now owned through `appended`
  list.reset(appended);
}

}  // namespace webmon::common
