// One entry of alerts.receivers: a webhook, a Slack incoming webhook or an email address
// list behind an SMTP server, with its secrets read from the environment or a file.

#include <algorithm>

#include "common/config_sections.h"

namespace webmon::common::config_sections {
namespace {

// Names go into labels, log lines and error messages: short ones.
constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxRecipients = 50;

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

// scheme://host… with one of `schemes` and a host after it.
bool hasSchemeAndHost(const std::string& url, std::initializer_list<std::string_view> schemes) {
  return std::any_of(schemes.begin(), schemes.end(), [&](std::string_view scheme) {
    return url.rfind(scheme, 0) == 0 && url.size() > scheme.size() &&
           url.find_first_of("/?#", scheme.size()) != scheme.size();
  });
}

// scheme://user:password@host: the password would be in the config file and in libcurl's
// view of the URL; email receivers take username and password_env instead.
bool hasUserInfo(const std::string& url) {
  const auto host_start = url.find("://") + 3;
  const auto host_end = url.find_first_of("/?#", host_start);
  return url.substr(host_start, host_end - host_start).find('@') != std::string::npos;
}

// local@domain, no spaces, brackets or line breaks: what goes between < > in SMTP and in
// the From: and To: headers, so nothing in it may end a header or a command.
bool isMailAddress(const std::string& address) {
  const auto at = address.find('@');
  return address.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < address.size() &&
         address.find('@', at + 1) == std::string::npos &&
         address.find_first_of(" \t\r\n<>()[],;:\"\\") == std::string::npos &&
         std::none_of(address.begin(), address.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x21; });
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

// The name, or nothing when it is unusable (then the receiver is left out).
std::optional<std::string> readName(const ConfigReader& node,
                                    std::unordered_set<std::string>& names) {
  const auto name = node.field("name");
  if (!name.required()) return std::nullopt;
  auto text = name.nonEmptyString();
  if (!text) return std::nullopt;
  if (text->size() > kMaxNameLength ||
      text->find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
          std::string::npos) {
    name.fail("must be 1 to 64 letters, digits, '_', '.' or '-'");
    return std::nullopt;
  }
  if (!names.insert(*text).second) {
    name.fail("is the name of an earlier receiver: names must be unique");
    return std::nullopt;
  }
  return text;
}

void readUrl(const ConfigReader& node, const EnvLookup& env, AlertReceiver& receiver) {
  auto url = valueOrSecret(node, "url", env, true);
  if (!url) return;
  const bool email = receiver.type == ReceiverType::Email;
  const bool fits = email ? hasSchemeAndHost(*url, {"smtp://", "smtps://"})
                          : hasSchemeAndHost(*url, {"http://", "https://"});
  // The url may be a secret: show only its beginning.
  const auto& where = node.field("url").present() ? node.field("url") : node;
  if (!fits) {
    where.failShowing(email ? "must be an smtp:// (STARTTLS) or smtps:// (TLS) URL"
                            : "must be an http:// or https:// URL",
                      shownUrl(*url));
  } else if (email && hasUserInfo(*url)) {
    where.failShowing("must not hold a user name or password: use username and password_env",
                      shownUrl(*url));
  }
  receiver.url = *url;
  receiver.shown_url = shownUrl(*url);
}

void readEmail(const ConfigReader& node, const EnvLookup& env, AlertReceiver& receiver) {
  const auto from = node.field("from");
  if (from.required()) {
    if (auto text = from.nonEmptyString()) {
      if (!isMailAddress(*text)) from.fail("must be one mail address, like webmon@example.com");
      receiver.mail_from = *text;
    }
  }
  const auto to = node.field("to");
  if (to.required()) {
    if (to.arraySize() == 0 && to.raw()->is_array()) to.fail("must list at least one address");
    if (to.arraySize() > kMaxRecipients) to.fail("must list at most 50 addresses");
    for (std::size_t i = 0; i < to.arraySize() && i < kMaxRecipients; ++i) {
      const auto item = to.element(i);
      if (auto text = item.nonEmptyString()) {
        if (!isMailAddress(*text)) item.fail("must be one mail address, like ops@example.com");
        receiver.mail_to.push_back(*text);
      }
    }
  }
  const auto username = node.field("username");
  if (username.present()) {
    if (auto text = username.nonEmptyString()) receiver.username = *text;
  }
  if (node.field("password").present()) {
    node.field("password")
        .failWithoutValue("would put a secret in the config: use password_env or password_file");
  } else if (auto password = valueOrSecret(node, "password", env, false)) {
    receiver.password = *password;
    if (receiver.username.empty()) {
      node.failWithoutValue("has a password but no username");
    }
  }
  if (auto starttls = node.field("starttls").boolean()) receiver.starttls = *starttls;
  if (receiver.url.rfind("smtps://", 0) == 0 && node.field("starttls").present()) {
    node.field("starttls").fail("is for smtp:// URLs: smtps:// is TLS from the first byte");
  }
  if (!receiver.starttls && !receiver.password.empty()) {
    node.field("starttls").fail("must be true when a password is sent: it would cross in clear");
  }
  const auto ca_file = node.field("ca_file");
  if (ca_file.present()) {
    if (auto text = ca_file.nonEmptyString()) receiver.ca_file = *text;
  }
}

}  // namespace

void readAlertReceiver(const ConfigReader& node, const EnvLookup& env,
                       std::unordered_set<std::string>& names, std::vector<AlertReceiver>& out) {
  if (!node.raw()->is_object()) {
    node.fail("must be an object: {\"name\": ..., \"type\": \"webhook\", \"url\": ...}");
    return;
  }
  AlertReceiver receiver;
  const auto type = node.field("type");
  if (type.required()) {
    const auto text = type.string();
    if (text == "webhook") {
      receiver.type = ReceiverType::Webhook;
    } else if (text == "slack") {
      receiver.type = ReceiverType::Slack;
    } else if (text == "email") {
      receiver.type = ReceiverType::Email;
    } else if (text) {
      type.fail("must be webhook, slack or email");
    }
  }
  if (receiver.type == ReceiverType::Email) {
    node.rejectUnknownKeys({"name", "type", "url", "url_env", "url_file", "timeout", "from", "to",
                            "username", "password", "password_env", "password_file", "starttls",
                            "ca_file"});
  } else {
    node.rejectUnknownKeys(
        {"name", "type", "url", "url_env", "url_file", "token_env", "token_file", "timeout"});
  }
  // Only a receiver without a usable name is left out: one with other mistakes is kept so
  // the URLs that name it get no second, misleading error (the config is refused anyway).
  const auto name = readName(node, names);
  if (name) receiver.name = *name;
  readUrl(node, env, receiver);
  if (receiver.type == ReceiverType::Email) {
    readEmail(node, env, receiver);
  } else if (node.field("token_env").present() || node.field("token_file").present()) {
    if (receiver.type != ReceiverType::Webhook) {
      node.failWithoutValue("token_env and token_file are for webhook receivers");
    }
    if (auto token = valueOrSecret(node, "token", env, false)) receiver.bearer_token = *token;
  }
  if (auto ms = node.field("timeout").positiveSecondsAsMs(300)) {
    receiver.timeout = std::chrono::milliseconds(*ms);
  }
  if (name) out.push_back(std::move(receiver));
}

}  // namespace webmon::common::config_sections
