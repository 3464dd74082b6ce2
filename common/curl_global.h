#pragma once
// libcurl's process-wide set-up, as RAII: the producer probes with libcurl and the consumer
// delivers notifications with it, each from threads it starts after this.

namespace webmon::common {

/// Calls curl_global_init on construction and curl_global_cleanup on destruction; one per
/// process, made in main before any thread uses libcurl.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

}  // namespace webmon::common
