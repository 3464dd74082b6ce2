#include "consumer/status/status_page.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>

#include "consumer/status/badges.h"

namespace webmon::consumer::status {
namespace {

constexpr const char* kStyle = R"css(
:root{--bg:#f6f7f9;--card:#fff;--text:#1d2430;--muted:#5b6573;--line:#e1e4e8;
--up:#2da44e;--degraded:#d4a72c;--down:#cf222e;--unknown:#8c959f;--none:#d0d7de}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;
--muted:#8d96a0;--line:#30363d;--up:#3fb950;--degraded:#d29922;--down:#f85149;
--unknown:#6e7681;--none:#30363d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.muted{color:var(--muted)}a{color:inherit}
.summary{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0}
.summary span{background:var(--card);border:1px solid var(--line);border-radius:.5rem;
padding:.3rem .7rem}
.banner{border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0;color:#fff;font-weight:600}
.banner.ok{background:var(--up)}.banner.bad{background:var(--down)}
.banner.warn{background:var(--degraded)}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;
padding:.7rem .9rem;margin:.5rem 0}
.head{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem .8rem}
.name{font-weight:600;word-break:break-all;flex:1 1 12rem}
.dot{width:.75rem;height:.75rem;border-radius:50%;display:inline-block}
.state{font-weight:600}.uptime{white-space:nowrap}
.s-up .dot{background:var(--up)}.s-up .state{color:var(--up)}
.s-degraded .dot{background:var(--degraded)}.s-degraded .state{color:var(--degraded)}
.s-down .dot{background:var(--down)}.s-down .state{color:var(--down)}
.s-unknown .dot{background:var(--unknown)}.s-unknown .state{color:var(--unknown)}
.bars{width:100%;height:2rem;display:block;margin-top:.45rem}
.bars .up{fill:var(--up)}.bars .degraded{fill:var(--degraded)}.bars .down{fill:var(--down)}
.bars .none{fill:var(--none)}
.axis{display:flex;justify-content:space-between;font-size:.75rem}
.foot{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.2rem .5rem;font-size:.85rem;
margin-top:.2rem}
.foot span{white-space:nowrap}
.spark{width:8rem;height:1.5rem;vertical-align:middle}
.spark polyline{fill:none;stroke:var(--muted);stroke-width:1.5}
ul.incidents{padding-left:1.1rem}ul.incidents li{margin:.3rem 0}
nav.pages{display:flex;gap:.75rem;margin:1rem 0}
)css";

std::string number(double value, const char* format = "%.0f") {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string percent(const std::optional<double>& value) {
  if (!value) return "no data";
  if (*value >= 100.0) return "100%";
  return number(std::min(*value, 99.999), "%.3f") + "%";
}

// "2026-12-03T10:00:05.123Z" as "2026-12-03 10:00:05 UTC".
std::string readableTime(const std::string& iso) {
  if (iso.size() < 19) return iso;
  return iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC";
}

std::string durationText(double seconds) {
  const auto total = static_cast<long long>(seconds);
  if (total < 60) return std::to_string(total) + " s";
  if (total < 3600) return std::to_string(total / 60) + " min " + std::to_string(total % 60) + " s";
  if (total < 86'400) {
    return std::to_string(total / 3600) + " h " + std::to_string(total % 3600 / 60) + " min";
  }
  return std::to_string(total / 86'400) + " d " + std::to_string(total % 86'400 / 3600) + " h";
}

std::string stateText(const CurrentState& state) {
  std::string text = state.status == "up"         ? "Up"
                     : state.status == "degraded" ? "Degraded"
                     : state.status == "down"     ? "Down"
                                                  : "Unknown";
  if (state.since && state.status != "unknown") text += " since " + readableTime(*state.since);
  return text;
}

std::string dayBars(const std::vector<std::string>& days, const std::vector<DayCounts>& counted) {
  std::map<std::string, const ProbeCounts*> by_day;
  for (const auto& day : counted) by_day[day.day] = &day.counts;
  // 90 bars of 4 units with 1 between, stretched to the card's width.
  std::string svg = "<svg class=\"bars\" viewBox=\"0 0 " + std::to_string(days.size() * 5 - 1) +
                    " 20\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"daily uptime, " +
                    std::to_string(days.size()) + " days\">";
  for (std::size_t i = 0; i < days.size(); ++i) {
    const auto found = by_day.find(days[i]);
    const ProbeCounts none;
    const ProbeCounts& counts = found == by_day.end() ? none : *found->second;
    const auto klass = dayClass(counts);
    std::string title = days[i] + ": ";
    title += counts.probes == 0
                 ? "no data"
                 : percent(counts.uptimePercent()) + " up, " + std::to_string(counts.down) +
                       " of " + std::to_string(counts.probes) + " probes down";
    svg += "<rect class=\"" + klass + "\" x=\"" + std::to_string(i * 5) +
           "\" width=\"4\" height=\"20\" rx=\"1\" data-day=\"" + days[i] + "\"><title>" +
           escapeXml(title) + "</title></rect>";
  }
  return svg + "</svg>";
}

std::string sparkline(const std::vector<HourLatency>& hours) {
  if (hours.size() < 2) return "";
  double highest = 1;
  for (const auto& hour : hours) highest = std::max(highest, hour.mean_ms);
  std::string points;
  for (std::size_t i = 0; i < hours.size(); ++i) {
    const double x = 100.0 * static_cast<double>(i) / static_cast<double>(hours.size() - 1);
    const double y = 23.0 - 22.0 * hours[i].mean_ms / highest;
    points += (points.empty() ? "" : " ") + number(x, "%.1f") + "," + number(y, "%.1f");
  }
  return "<svg class=\"spark\" viewBox=\"0 0 100 24\" preserveAspectRatio=\"none\" role=\"img\" "
         "aria-label=\"mean response time per hour, last 24 hours, up to " +
         number(highest) + " ms\"><title>mean response time per hour, last 24 h (max " +
         number(highest) + " ms)</title><polyline points=\"" + points + "\"/></svg>";
}

std::string card(const PageEntry& entry, const std::vector<std::string>& days) {
  const auto& item = entry.overview;
  std::string html = "<article class=\"card s-" + escapeXml(item.state.status) + "\" data-url=\"" +
                     escapeXml(item.listed.url) + "\" data-status=\"" +
                     escapeXml(item.state.status) + "\">";
  html +=
      "<div class=\"head\"><span class=\"dot\" aria-hidden=\"true\"></span><span "
      "class=\"name\">" +
      escapeXml(item.listed.name) + "</span><span class=\"state\">" +
      escapeXml(stateText(item.state)) + "</span></div>";
  if (item.listed.name != item.listed.url) {
    html += "<div class=\"muted\">" + escapeXml(item.listed.url) + "</div>";
  }
  html += dayBars(days, entry.detail.days);
  // The bar's ends labelled under it, then the figures: two lines, so a phone wraps neither.
  html += "<div class=\"axis muted\"><span>" + days.front() +
          "</span><span>today</span></div><div class=\"foot\"><span class=\"uptime\">" +
          percent(item.uptime_24h) + " (24 h) · " + percent(item.uptime_30d) +
          " (30 d)</span><span class=\"muted\">";
  if (item.state.response_ms && item.state.status != "down") {
    html += number(*item.state.response_ms) + " ms ";
  } else if (item.state.error_kind) {
    html += escapeXml(*item.state.error_kind) + " ";
  }
  html += sparkline(entry.detail.latency) + "</span></div></article>";
  return html;
}

std::string pageLink(const PageModel& model, int page) {
  std::string link = "?page=" + std::to_string(page);
  if (!model.group.empty()) link += "&group=" + encodeQueryValue(model.group);
  return escapeXml(link);
}

}  // namespace

std::string encodeQueryValue(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::vector<std::string> lastDays(const std::string& today, int days) {
  int year = 0, month = 0, day = 0;
  std::sscanf(today.c_str(), "%d-%d-%d", &year, &month, &day);
  const std::chrono::sys_days last{std::chrono::year{year} / month / day};
  std::vector<std::string> out;
  for (int back = days - 1; back >= 0; --back) {
    const std::chrono::year_month_day date{last - std::chrono::days{back}};
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    out.push_back(text);
  }
  return out;
}

std::string dayClass(const ProbeCounts& counts) {
  if (counts.probes == 0) return "none";
  if (counts.down == 0 && counts.degraded == 0) return "up";
  // A few failed probes in a day (under 1 %) colour it as a blemish, not an outage.
  const auto uptime = counts.uptimePercent().value_or(0);
  if (counts.down == 0 || uptime >= 99.0) return "degraded";
  return "down";
}

std::string renderStatusPage(const PageModel& model) {
  const auto days = lastDays(model.today, 90);
  std::string html =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta name=\"color-scheme\" content=\"light dark\"><title>Status</title><style>";
  html += kStyle;
  html += "</style></head><body><main><h1>Status</h1>";
  const auto& counts = model.counts;
  if (counts.down > 0) {
    html += "<div class=\"banner bad\" id=\"overall\">" + std::to_string(counts.down) +
            (counts.down == 1 ? " target is" : " targets are") + " down</div>";
  } else if (counts.degraded > 0) {
    html += "<div class=\"banner warn\" id=\"overall\">" + std::to_string(counts.degraded) +
            (counts.degraded == 1 ? " target is" : " targets are") + " degraded</div>";
  } else {
    html += "<div class=\"banner ok\" id=\"overall\">All systems operational</div>";
  }
  html += "<div class=\"summary\"><span id=\"count-up\">" + std::to_string(counts.up) +
          " up</span><span id=\"count-degraded\">" + std::to_string(counts.degraded) +
          " degraded</span><span id=\"count-down\">" + std::to_string(counts.down) +
          " down</span><span id=\"count-unknown\">" + std::to_string(counts.unknown) +
          " unknown</span></div><p class=\"muted\">Updated " + readableTime(model.generated_at) +
          ". Bars: the last 90 days, one per UTC day.</p>";
  if (!model.problems.empty()) {
    html += "<h2>Needs attention</h2><ul class=\"problems\">";
    for (const auto& item : model.problems) {
      html += "<li class=\"s-" + escapeXml(item.state.status) + "\"><span class=\"state\">" +
              escapeXml(stateText(item.state)) + "</span>: " + escapeXml(item.listed.name) +
              (item.state.error_kind ? " (" + escapeXml(*item.state.error_kind) + ")" : "") +
              "</li>";
    }
    if (model.problems_total > model.problems.size()) {
      html += "<li>… and " + std::to_string(model.problems_total - model.problems.size()) +
              " more</li>";
    }
    html += "</ul>";
  }
  std::string current_group;
  bool first = true;
  for (const auto& entry : model.entries) {
    const auto& group = entry.overview.listed.group;
    if (first || group != current_group) {
      if (!first) html += "</section>";
      html +=
          "<section class=\"group\"><h2>" + escapeXml(group.empty() ? "Other" : group) + "</h2>";
      current_group = group;
      first = false;
    }
    html += card(entry, days);
  }
  if (!first) html += "</section>";
  if (model.entries.empty()) html += "<p>No targets are configured.</p>";
  if (model.pages > 1) {
    html += "<nav class=\"pages\">";
    if (model.page > 1) html += "<a href=\"" + pageLink(model, model.page - 1) + "\">← newer</a>";
    html += "<span>page " + std::to_string(model.page) + " of " + std::to_string(model.pages) +
            "</span>";
    if (model.page < model.pages) {
      html += "<a href=\"" + pageLink(model, model.page + 1) + "\">next →</a>";
    }
    html += "</nav>";
  }
  html += "<h2>Recent incidents</h2>";
  if (model.incidents.empty()) {
    html += "<p class=\"muted\" id=\"no-incidents\">No incidents in the last 30 days.</p>";
  } else {
    html += "<ul class=\"incidents\">";
    for (const auto& incident : model.incidents) {
      html += "<li data-incident=\"" + std::to_string(incident.id) + "\"><strong>" +
              escapeXml(incident.name) + "</strong>: " + escapeXml(incident.cause_kind) +
              (incident.cause.empty() ? "" : " (" + escapeXml(incident.cause) + ")") + ", " +
              readableTime(incident.opened_at) + ", " +
              (incident.closed_at ? "lasted " + durationText(incident.duration_s)
                                  : "ongoing for " + durationText(incident.duration_s)) +
              "</li>";
    }
    html += "</ul>";
  }
  html +=
      "<p class=\"muted\">Served by webmon. JSON: <a href=\"api/v1/status\">/api/v1/status</a>"
      "</p></main></body></html>";
  return html;
}

std::string renderUnavailablePage(const std::string& reason) {
  std::string html =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<meta name=\"color-scheme\" content=\"light dark\"><title>Status unavailable</title>"
      "<style>";
  html += kStyle;
  html +=
      "</style></head><body><main><h1>Status</h1><div class=\"banner bad\" "
      "id=\"unavailable\">The current status cannot be shown: its database does not answer. "
      "Nothing here is current; try again in a minute.</div><p class=\"muted\">" +
      escapeXml(reason) + "</p></main></body></html>";
  return html;
}

}  // namespace webmon::consumer::status
