#pragma once
// Which of the configured URLs this producer probes. A producer alone probes them all; in a
// group (producer.group) each URL belongs to one partition of the group's coordination topic
// by a stable hash of the URL, and a member probes the URLs of the partitions Kafka assigned
// to it (TargetGroup). The probe loop asks through this interface so its tests can hand URLs
// over by hand.

#include <cstdint>
#include <string_view>

namespace webmon::producer {

class UrlOwnership {
 public:
  virtual ~UrlOwnership() = default;
  /// Whether this producer probes `url` now.
  virtual bool owns(std::string_view url) const = 0;
  /// Readable when refresh() has something to serve; the probe loop waits on it.
  virtual int fd() const = 0;
  /// Serves what arrived (a rebalance, say); true when owns() may now answer otherwise.
  virtual bool refresh() = 0;
};

/// The partition of `partitions` that `url` belongs to: the same on every member, in every
/// version, and independent of the URL's phase within its period (another mix of the hash).
std::int32_t partitionOfUrl(std::string_view url, std::int32_t partitions);

}  // namespace webmon::producer
