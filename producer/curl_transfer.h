#pragma once
// What CurlProber keeps per probe in flight (Transfer), the RAII handles of libcurl, and the
// callbacks and helpers its option setting (curl_options.h) and its driver share.

#include <curl/curl.h>

#include <memory>
#include <optional>
#include <string>

#include "common/curl_handles.h"
#include "producer/probe_result.h"

namespace webmon::producer {

using common::appendLine;
using common::CurlEasyPtr;
using common::CurlMultiPtr;
using common::CurlSlistPtr;

// One probe in flight. It owns its easy handle until the probe finishes.
struct Transfer {
  ProbeStart start;
  CurlEasyPtr easy;
  CurlSlistPtr headers;  // the URL's request headers; libcurl reads them until the end
  std::string body;      // the start of the response body, for a `regexp` check
  std::size_t body_limit = 0;
  std::string connect_url;  // tcp and tls probes: the URL libcurl connects to
  // With a ResolvedHost: the addresses for libcurl (CURLOPT_RESOLVE, read when the transfer
  // begins), "host:port" as libcurl's DNS cache knows it, and the time the lookup took.
  CurlSlistPtr resolve;
  std::string resolve_key;
  double lookup_ms = 0;
  std::optional<bool> dns_cached;
  bool body_truncated = false;
  char error_buffer[CURL_ERROR_SIZE] = {};
  // tcp and tls probes with `send` or `regexp`: once connected, the exchange runs on the
  // connection libcurl made (curl_easy_send/recv), with the socket in our poll.
  bool conversing = false;
  curl_socket_t socket = CURL_SOCKET_BAD;
  std::size_t sent = 0;
  ProbeScheduler::TimePoint deadline;
  double first_byte_ms = 0;  // from the start, when the server's first byte arrived
  std::string failure;       // why the exchange failed, when it did
};

/// Most probes only need to know the transfer completed: the body is not kept.
size_t discardBody(char*, size_t size, size_t count, void*);

// Keeps at most body_limit bytes, then stops the transfer: only a bounded prefix is ever
// read, however large (or endless) the body. Returning less than given makes libcurl end the
// transfer with CURLE_WRITE_ERROR, which finish() knows to be this.
size_t keepBodyPrefix(char* data, size_t size, size_t count, void* user);

/// When the server's certificate expires, from CURLINFO_CERTINFO (https and tls probes).
std::optional<common::SystemTime> leafCertificateExpiry(CURL* easy);

}  // namespace webmon::producer
