#include "common/curl_global.h"

#include <curl/curl.h>

#include <stdexcept>

namespace webmon::common {

CurlGlobal::CurlGlobal() {
  if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
    throw std::runtime_error("curl_global_init failed");
  }
}

CurlGlobal::~CurlGlobal() { curl_global_cleanup(); }

}  // namespace webmon::common
