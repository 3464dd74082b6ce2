#include "consumer/alerts/alert_policy.h"

namespace webmon::consumer::alerts {

AlertPolicy::AlertPolicy(const common::Config& config) : receivers_(config.alerts.receivers) {
  defaults_.rules = config.alerts.rules;
  for (const auto& receiver : receivers_) defaults_.receivers.push_back(receiver.name);
  for (const auto& url : config.monitored_urls) {
    const auto& own = url.alerts;
    UrlPolicy policy = defaults_;
    if (!own.enabled) {
      policy.receivers.clear();
    } else if (own.receivers) {
      policy.receivers = *own.receivers;
    }
    if (own.confirm_down) policy.rules.confirm_down = *own.confirm_down;
    if (own.confirm_up) policy.rules.confirm_up = *own.confirm_up;
    if (own.remind_every) policy.rules.remind_every = *own.remind_every;
    // Reports carry the url as shown (a password masked), as the config reader keeps it.
    by_url_.emplace(url.url, std::move(policy));
  }
}

const UrlPolicy& AlertPolicy::forUrl(const std::string& url) const {
  const auto it = by_url_.find(url);
  return it == by_url_.end() ? defaults_ : it->second;
}

const common::AlertReceiver* AlertPolicy::receiver(const std::string& name) const {
  for (const auto& receiver : receivers_) {
    if (receiver.name == name) return &receiver;
  }
  return nullptr;
}

}  // namespace webmon::consumer::alerts
