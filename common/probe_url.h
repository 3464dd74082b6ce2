#pragma once
// A probe's URL as libcurl parses it, so what the config accepts is what the prober can fetch:
// its syntax for each probe type, and where a probe of it connects.

#include <optional>
#include <string>

#include "common/probe_enums.h"

namespace webmon::common {

/// Why `url` cannot be probed as `type`, or std::nullopt when it can.
std::optional<std::string> checkProbeUrl(const std::string& url, ProbeType type);

/// Where a probe of `url` connects: its host (a name, or an address with IPv6 in brackets)
/// and port (the scheme's default when the URL names none), as libcurl parses it.
struct Endpoint {
  std::string host;
  int port = 0;
};
std::optional<Endpoint> probeEndpoint(const std::string& url);

}  // namespace webmon::common
