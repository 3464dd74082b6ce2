#include "producer/curl_options.h"

#include <algorithm>

namespace webmon::producer {

// What to connect to: the URL (tcp:// and tls:// as the http(s):// libcurl knows), and for
// how long.
void setTarget(EasyOptions& options, Transfer& transfer, const common::MonitoredUrl& url,
               double lookup_ms) {
  if (url.type == common::ProbeType::Http) {
    // `url` may show a masked password; the request goes to the URL as written, without its
    // user info, and the credentials go separately (setRequest).
    options.set(CURLOPT_URL, (url.fetch_url.empty() ? url.url : url.fetch_url).c_str());
  } else {
    // tcp://host:port and tls://host:port: libcurl connects (and, for tls, completes and
    // verifies the handshake) to the same host and port as http(s):// would, then stops.
    const bool tls = url.type == common::ProbeType::Tls;
    transfer.connect_url = (tls ? "https" : "http") + url.url.substr(3);
    options.set(CURLOPT_URL, transfer.connect_url.c_str());
    options.set(CURLOPT_CONNECT_ONLY, 1L);
  }
  options.set(CURLOPT_PROTOCOLS_STR, "http,https");
  options.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // The timeout is a hard cap on the whole probe, our lookup included; connecting may use all
  // of what is left.
  const long left_ms =
      std::max(1L, static_cast<long>(static_cast<double>(url.timeout.count()) - lookup_ms));
  options.set(CURLOPT_TIMEOUT_MS, left_ms);
  options.set(CURLOPT_CONNECTTIMEOUT_MS, left_ms);
  options.set(CURLOPT_FOLLOWLOCATION, url.follow_redirects ? 1L : 0L);
  options.set(CURLOPT_MAXREDIRS, static_cast<long>(url.max_redirects));
  options.set(CURLOPT_NOSIGNAL, 1L);
}

// Certificates: a private CA, the expiry for the report, verification.
void setTls(EasyOptions& options, const common::MonitoredUrl& url) {
  // A private CA for internal services; otherwise libcurl's default bundle.
  if (!url.ca_file.empty()) options.set(CURLOPT_CAINFO, url.ca_file.c_str());
  // The certificate's expiry goes into the report; only https has one.
  if (url.url.compare(0, 8, "https://") == 0 || url.type == common::ProbeType::Tls) {
    options.set(CURLOPT_CERTINFO, 1L);
  }
  if (!url.verify_tls) {
    options.set(CURLOPT_SSL_VERIFYPEER, 0L);
    options.set(CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

// The request: method, body, headers, and where the response body goes.
void setRequest(EasyOptions& options, Transfer& transfer, const common::MonitoredUrl& url) {
  if (url.method == "HEAD") {
    options.set(CURLOPT_NOBODY, 1L);
  } else if (url.method != "GET") {
    options.set(CURLOPT_CUSTOMREQUEST, url.method.c_str());
  }
  if (!url.body.empty()) {
    // The MonitoredUrl outlives the transfer (the transfer holds it), so no copy is needed.
    options.set(CURLOPT_POSTFIELDS, url.body.c_str());
    options.set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(url.body.size()));
  }
  if (url.basic_auth) {
    // Basic only, as a URL's user info is sent: no round trip to negotiate. libcurl sends it
    // to the URL's host only, not to where a redirect leads (CURLOPT_UNRESTRICTED_AUTH off).
    options.set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    options.set(CURLOPT_USERNAME, url.basic_auth->user.c_str());
    options.set(CURLOPT_PASSWORD, url.basic_auth->password.c_str());
  }
  for (const auto& [name, value] : url.headers) {
    appendLine(transfer.headers, name + ": " + value);
  }
  if (transfer.headers) options.set(CURLOPT_HTTPHEADER, transfer.headers.get());
  if (url.regexp) {
    transfer.body_limit = url.max_body_bytes;
    options.set(CURLOPT_WRITEFUNCTION, keepBodyPrefix);
    options.set(CURLOPT_WRITEDATA, &transfer);
  } else {
    options.set(CURLOPT_WRITEFUNCTION, discardBody);
  }
}

}  // namespace webmon::producer
