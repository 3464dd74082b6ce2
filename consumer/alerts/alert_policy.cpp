#include "consumer/alerts/alert_policy.h"

#include <algorithm>

namespace webmon::consumer::alerts {

AlertPolicy::AlertPolicy(const common::Config& config)
    : receivers_(config.alerts.receivers), windows_(config.alerts.maintenance) {
  defaults_.rules = config.alerts.rules;
  defaults_.flapping = config.alerts.flapping;
  for (const auto& receiver : receivers_) defaults_.receivers.push_back(receiver.name);
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    if (windows_[i].urls.empty()) defaults_.maintenance.push_back(i);
  }
  for (const auto& url : config.monitored_urls) {
    const auto& own = url.alerts;
    UrlPolicy policy = defaults_;
    // A section window that lists URLs holds those it names, by url or by name.
    for (std::size_t i = 0; i < config.alerts.maintenance.size(); ++i) {
      const auto& listed = windows_[i].urls;
      if (std::find_if(listed.begin(), listed.end(), [&](const std::string& entry) {
            return entry == url.url || (!url.name.empty() && entry == url.name);
          }) != listed.end()) {
        policy.maintenance.push_back(i);
      }
    }
    for (const auto& window : own.maintenance) {
      policy.maintenance.push_back(windows_.size());
      windows_.push_back(window);
    }
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
