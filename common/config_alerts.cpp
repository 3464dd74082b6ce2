// The alerts section (when incidents open and close, who is told) and each monitored URL's
// own alerts key.

#include <algorithm>
#include <unordered_set>

#include "common/config_sections.h"

namespace webmon::common::config_sections {
namespace {

constexpr long long kMaxConfirm = 100;
constexpr long long kMaxRemindSeconds = 30LL * 24 * 3600;
// Names go into labels, log lines and error messages: short ones.
constexpr std::size_t kMaxNameLength = 64;

// scheme://host/… : enough to tell receivers apart in a log without the path, where Slack
// and most webhook services keep their token.
std::string shownUrl(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "(url)";
  const auto host_end = url.find_first_of("/?#", scheme_end + 3);
  std::string shown = url.substr(0, host_end);
  if (const auto at = shown.rfind('@'); at != std::string::npos) {
    shown.erase(scheme_end + 3, at - scheme_end - 2);  // user info
  }
  return host_end == std::string::npos ? shown : shown + "/…";
}

bool isHttpUrl(const std::string& url) {
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (url.rfind(scheme, 0) == 0 && url.size() > scheme.size() &&
        url.find_first_of("/?#", scheme.size()) != scheme.size()) {
      return true;
    }
  }
  return false;
}

// One of `key`, `key_env`, `key_file`: the value written in the config, or the secret it
// names. `required`: that none of the three is a problem too.
std::optional<std::string> valueOrSecret(const ConfigReader& node, const std::string& key,
                                         const EnvLookup& env, bool required) {
  const auto plain = node.field(key);
  const auto from_env = node.field(key + "_env");
  const auto from_file = node.field(key + "_file");
  const int given = plain.present() + from_env.present() + from_file.present();
  if (given == 0) {
    if (required) {
      node.failWithoutValue("must have one of " + key + ", " + key + "_env (an environment " +
                            "variable) or " + key + "_file (a file holding it)");
    }
    return std::nullopt;
  }
  if (given > 1) {
    node.failWithoutValue("must have only one of " + key + ", " + key + "_env and " + key +
                          "_file");
    return std::nullopt;
  }
  if (plain.present()) return plain.nonEmptyString();
  return from_env.present() ? secretFromEnv(from_env, env) : secretFromFile(from_file);
}

void readReceiver(const ConfigReader& node, const EnvLookup& env,
                  std::unordered_set<std::string>& names, std::vector<AlertReceiver>& out) {
  if (!node.raw()->is_object()) {
    node.fail("must be an object: {\"name\": ..., \"type\": \"webhook\", \"url\": ...}");
    return;
  }
  node.rejectUnknownKeys(
      {"name", "type", "url", "url_env", "url_file", "token_env", "token_file", "timeout"});
  AlertReceiver receiver;
  // Only a receiver without a usable name is left out: one with other mistakes is kept so
  // the URLs that name it get no second, misleading error (the config is refused anyway).
  bool ok = true;
  const auto name = node.field("name");
  if (name.required()) {
    if (auto text = name.nonEmptyString()) {
      if (text->size() > kMaxNameLength ||
          text->find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
              std::string::npos) {
        name.fail("must be 1 to 64 letters, digits, '_', '.' or '-'");
        ok = false;
      } else if (!names.insert(*text).second) {
        name.fail("is the name of an earlier receiver: names must be unique");
        ok = false;
      }
      receiver.name = *text;
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  const auto type = node.field("type");
  if (type.required()) {
    const auto text = type.string();
    if (text == "webhook") {
      receiver.type = ReceiverType::Webhook;
    } else if (text == "slack") {
      receiver.type = ReceiverType::Slack;
    } else if (text) {
      type.fail(*text == "email" ? "must be webhook or slack (email is not built yet)"
                                 : "must be webhook or slack");
    }
  }
  if (auto url = valueOrSecret(node, "url", env, true)) {
    if (!isHttpUrl(*url)) {
      // The url may be a secret: show only its beginning.
      (node.field("url").present() ? node.field("url") : node)
          .failShowing("must be an http:// or https:// URL", shownUrl(*url));
    }
    receiver.url = *url;
    receiver.shown_url = shownUrl(*url);
  }
  if (node.field("token_env").present() || node.field("token_file").present()) {
    if (receiver.type != ReceiverType::Webhook) {
      node.failWithoutValue("token_env and token_file are for webhook receivers");
    }
    if (auto token = valueOrSecret(node, "token", env, false)) receiver.bearer_token = *token;
  }
  if (auto ms = node.field("timeout").positiveSecondsAsMs(300)) {
    receiver.timeout = std::chrono::milliseconds(*ms);
  }
  if (ok) out.push_back(std::move(receiver));
}

}  // namespace

void readAlerts(const ConfigReader& node, const EnvLookup& env, AlertsConfig& out) {
  if (!node.present()) return;
  node.rejectUnknownKeys({"confirm_down", "confirm_up", "remind_every", "retry_max", "receivers"});
  if (auto s = node.field("retry_max").integer(1, 24 * 3600)) {
    out.retry_max = std::chrono::seconds(*s);
  }
  if (auto n = node.field("confirm_down").integer(1, kMaxConfirm)) out.rules.confirm_down = *n;
  if (auto n = node.field("confirm_up").integer(1, kMaxConfirm)) out.rules.confirm_up = *n;
  if (auto s = node.field("remind_every").integer(0, kMaxRemindSeconds)) {
    out.rules.remind_every = std::chrono::seconds(*s);
  }
  const auto receivers = node.field("receivers");
  std::unordered_set<std::string> names;
  for (std::size_t i = 0; i < receivers.arraySize(); ++i) {
    readReceiver(receivers.element(i), env, names, out.receivers);
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
  node.rejectUnknownKeys({"confirm_down", "confirm_up", "remind_every", "receivers"});
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
