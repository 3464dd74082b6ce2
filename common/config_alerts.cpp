// The alerts section (when incidents open and close, who is told) and each monitored URL's
// own alerts key.

#include <algorithm>
#include <unordered_set>

#include "common/config_sections.h"

namespace webmon::common::config_sections {
namespace {

constexpr long long kMaxConfirm = 100;
constexpr long long kMaxRemindSeconds = 30LL * 24 * 3600;

// false (never), or {"transitions": N, "window": seconds}.
void readFlapping(const ConfigReader& node, FlappingRules& out) {
  if (!node.present()) return;
  if (node.raw()->is_boolean()) {
    if (!node.raw()->get<bool>()) out.transitions = 0;
    return;
  }
  if (!node.raw()->is_object()) {
    node.fail("must be false (no flapping notices) or {\"transitions\": 6, \"window\": 3600}");
    return;
  }
  node.rejectUnknownKeys({"transitions", "window"});
  if (auto n = node.field("transitions").integer(2, 1000)) out.transitions = static_cast<int>(*n);
  if (auto s = node.field("window").integer(60, 7LL * 24 * 3600))
    out.window = std::chrono::seconds(*s);
}

}  // namespace

void readAlerts(const ConfigReader& node, const EnvLookup& env, AlertsConfig& out) {
  if (!node.present()) return;
  node.rejectUnknownKeys({"confirm_down", "confirm_up", "remind_every", "retry_max", "receivers",
                          "flapping", "maintenance"});
  if (auto s = node.field("retry_max").integer(1, 24 * 3600)) {
    out.retry_max = std::chrono::seconds(*s);
  }
  if (auto n = node.field("confirm_down").integer(1, kMaxConfirm)) out.rules.confirm_down = *n;
  if (auto n = node.field("confirm_up").integer(1, kMaxConfirm)) out.rules.confirm_up = *n;
  if (auto s = node.field("remind_every").integer(0, kMaxRemindSeconds)) {
    out.rules.remind_every = std::chrono::seconds(*s);
  }
  readFlapping(node.field("flapping"), out.flapping);
  readMaintenance(node.field("maintenance"), true, out.maintenance);
  const auto receivers = node.field("receivers");
  std::unordered_set<std::string> names;
  for (std::size_t i = 0; i < receivers.arraySize(); ++i) {
    readAlertReceiver(receivers.element(i), env, names, out.receivers);
  }
}

void readUrlAlerts(const ConfigReader& node, const std::vector<AlertReceiver>& receivers,
                   UrlAlerts& out) {
  if (!node.present()) return;
  if (node.raw()->is_boolean()) {
    out.enabled = node.raw()->get<bool>();
    return;
  }
  if (!node.raw()->is_object()) {
    node.fail(
        "must be false (no notifications) or an object {\"confirm_down\": ..., "
        "\"receivers\": [...]}");
    return;
  }
  node.rejectUnknownKeys(
      {"confirm_down", "confirm_up", "remind_every", "receivers", "maintenance"});
  readMaintenance(node.field("maintenance"), false, out.maintenance);
  if (auto n = node.field("confirm_down").integer(1, kMaxConfirm)) out.confirm_down = *n;
  if (auto n = node.field("confirm_up").integer(1, kMaxConfirm)) out.confirm_up = *n;
  if (auto s = node.field("remind_every").integer(0, kMaxRemindSeconds)) {
    out.remind_every = std::chrono::seconds(*s);
  }
  const auto names = node.field("receivers");
  if (!names.present()) return;
  std::string known;
  for (const auto& receiver : receivers) known += (known.empty() ? "" : ", ") + receiver.name;
  std::vector<std::string> chosen;
  for (std::size_t i = 0; i < names.arraySize(); ++i) {
    const auto item = names.element(i);
    const auto name = item.nonEmptyString();
    if (!name) continue;
    const bool defined = std::any_of(receivers.begin(), receivers.end(),
                                     [&](const AlertReceiver& r) { return r.name == *name; });
    if (!defined) {
      item.fail(known.empty() ? "names a receiver, but alerts.receivers defines none"
                              : "names no receiver in alerts.receivers (defined: " + known + ")");
      continue;
    }
    if (std::find(chosen.begin(), chosen.end(), *name) == chosen.end()) chosen.push_back(*name);
  }
  out.receivers = std::move(chosen);
}

}  // namespace webmon::common::config_sections
