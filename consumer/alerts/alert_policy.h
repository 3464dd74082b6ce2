#pragma once
// Which rules and receivers apply to a URL: its own alerts key over the alerts section. A URL
// the consumer's config does not list (another producer's) gets the section's, and the
// section's maintenance windows that name no URLs.

#include <string>
#include <unordered_map>
#include <vector>

#include "common/config.h"

namespace webmon::consumer::alerts {

struct UrlPolicy {
  common::AlertRules rules;
  common::FlappingRules flapping;
  std::vector<std::string> receivers;    // names; empty: incidents are recorded, nobody told
  std::vector<std::size_t> maintenance;  // indexes into AlertPolicy::maintenanceWindows()
};

class AlertPolicy {
 public:
  AlertPolicy() = default;
  explicit AlertPolicy(const common::Config& config);

  const UrlPolicy& forUrl(const std::string& url) const;
  const std::vector<common::AlertReceiver>& receivers() const noexcept { return receivers_; }
  const common::AlertReceiver* receiver(const std::string& name) const;
  /// The section's windows, then every URL's own.
  const std::vector<common::MaintenanceWindow>& maintenanceWindows() const noexcept {
    return windows_;
  }

 private:
  std::vector<common::AlertReceiver> receivers_;
  std::vector<common::MaintenanceWindow> windows_;
  UrlPolicy defaults_;
  std::unordered_map<std::string, UrlPolicy> by_url_;
};

}  // namespace webmon::consumer::alerts
