#include "consumer/status/status_json.h"

#include <charconv>
#include <cmath>

namespace webmon::consumer::status {
namespace {

template <typename T>
nlohmann::json orNull(const std::optional<T>& value) {
  if (!value) return nullptr;
  return *value;
}

nlohmann::json percentOrNull(const std::optional<double>& value) {
  if (!value) return nullptr;
  return roundedPercent(*value);
}

// Appends one flat JSON object's members to `out`, in the order they are given. Keys are the
// API's own ASCII names; values are escaped as RFC 8259 asks. The text comes from JSON (the
// config, the reports) or from PostgreSQL's text columns, so it is UTF-8 already.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }

  void string(std::string_view key, const std::optional<std::string>& value) {
    if (!value) return null(key);
    string(key, *value);
  }
  void string(std::string_view key, const std::string& value) {
    this->key(key);
    appendJsonString(out_, value);
  }
  void number(std::string_view key, std::optional<double> value) {
    if (!value || !std::isfinite(*value)) return null(key);  // JSON has no NaN
    this->key(key);
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, *value).ptr;  // shortest exact
    out_.append(text, end);
  }
  void integer(std::string_view key, std::optional<int> value) {
    if (!value) return null(key);
    this->key(key);
    out_ += std::to_string(*value);
  }
  void end() { out_ += '}'; }

 private:
  void null(std::string_view key) {
    this->key(key);
    out_ += "null";
  }
  void key(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }

  std::string& out_;
  bool first_ = true;
};

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += hex[(c >> 4) & 15];
          out += hex[c & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

double roundedPercent(double percent) { return std::round(percent * 10'000.0) / 10'000.0; }

std::string statusJsonText(const std::vector<UrlOverview>& overview) {
  std::string out;
  out.reserve(overview.size() * 300 + 2);
  out += '[';
  for (const auto& item : overview) {
    if (out.size() > 1) out += ',';
    JsonObjectWriter object(out);
    object.string("url", item.listed.url);
    object.string("name", item.listed.name);
    object.string("group", item.listed.group.empty()
                               ? std::nullopt
                               : std::optional<std::string>(item.listed.group));
    object.string("status", item.state.status);
    object.string("since", item.state.since);
    object.string("checked_at", item.state.checked_at);
    object.number("response_ms", item.state.response_ms);
    object.integer("http_status", item.state.http_status);
    object.string("error_kind", item.state.error_kind);
    object.number("uptime_24h",
                  item.uptime_24h ? std::optional(roundedPercent(*item.uptime_24h)) : std::nullopt);
    object.number("uptime_30d",
                  item.uptime_30d ? std::optional(roundedPercent(*item.uptime_30d)) : std::nullopt);
    object.end();
  }
  out += ']';
  return out;
}

nlohmann::json historyJson(const std::vector<HistoryRow>& rows) {
  auto out = nlohmann::json::array();
  for (const auto& row : rows) {
    out.push_back({{"checked_at", row.checked_at},
                   {"status", row.status},
                   {"http_status", orNull(row.http_status)},
                   {"response_ms", row.response_ms},
                   {"dns_ms", orNull(row.dns_ms)},
                   {"connect_ms", orNull(row.connect_ms)},
                   {"tls_ms", orNull(row.tls_ms)},
                   {"ttfb_ms", orNull(row.ttfb_ms)},
                   {"error_kind", orNull(row.error_kind)},
                   {"error", orNull(row.error)}});
  }
  return out;
}

nlohmann::json incidentsJson(const std::vector<IncidentRow>& rows) {
  auto out = nlohmann::json::array();
  for (const auto& row : rows) {
    out.push_back({{"id", row.id},
                   {"url", row.url},
                   {"name", row.name},
                   {"opened_at", row.opened_at},
                   {"closed_at", orNull(row.closed_at)},
                   {"open", !row.closed_at.has_value()},
                   {"duration_s", std::round(row.duration_s * 1000.0) / 1000.0},
                   {"cause_kind", row.cause_kind},
                   {"cause", row.cause},
                   {"failed_probes", row.failed_probes}});
  }
  return out;
}

nlohmann::json uptimeJson(const ListedUrl& url, const UptimeWindow& window,
                          const ProbeCounts& counts) {
  return {{"url", url.url},        {"name", url.name},
          {"window", window.name}, {"probes", counts.probes},
          {"up", counts.up},       {"degraded", counts.degraded},
          {"down", counts.down},   {"uptime", percentOrNull(counts.uptimePercent())}};
}

nlohmann::json errorJson(const std::string& message, const std::string& parameter) {
  nlohmann::json out = {{"error", message}};
  if (!parameter.empty()) out["parameter"] = parameter;
  return out;
}

}  // namespace webmon::consumer::status
