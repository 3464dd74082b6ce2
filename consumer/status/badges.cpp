#include "consumer/status/badges.h"

#include <cmath>
#include <cstdio>

namespace webmon::consumer::status {
namespace {

// Verdana 11 px, as shields.io draws: wide enough for the widest letters, so text never
// overflows its box; narrow glyphs leave a little more room.
int textWidth(const std::string& text) {
  double width = 0;
  for (const unsigned char c : text) {
    if ((c & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte: the same character
    if (c == ' ' || c == '.' || c == ',' || c == ':' || c == 'i' || c == 'l' || c == '1') {
      width += 4;
    } else if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '%') {
      width += 10;
    } else {
      width += 7;
    }
  }
  return static_cast<int>(std::ceil(width));
}

std::string percentText(double percent) {
  char text[32];
  // 100% only when nothing failed: a rounded 99.996 must not look perfect.
  if (percent >= 100.0) return "100%";
  std::snprintf(text, sizeof text, "%.2f%%", std::min(percent, 99.99));
  return text;
}

}  // namespace

std::string escapeXml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Badge statusBadge(const std::string& status) {
  if (status == "up") return {"status", "up", "#4c1"};
  if (status == "degraded") return {"status", "degraded", "#dfb317"};
  if (status == "down") return {"status", "down", "#e05d44"};
  return {"status", "unknown", "#9f9f9f"};
}

Badge uptimeBadge(const std::string& window, std::optional<double> percent) {
  Badge badge{"uptime " + window, "no data", "#9f9f9f"};
  if (!percent) return badge;
  badge.message = percentText(*percent);
  badge.color = *percent >= 99.9   ? "#4c1"
                : *percent >= 99.0 ? "#97ca00"
                : *percent >= 95.0 ? "#dfb317"
                                   : "#e05d44";
  return badge;
}

Badge responseBadge(std::optional<double> mean_ms) {
  Badge badge{"response 24h", "no data", "#9f9f9f"};
  if (!mean_ms) return badge;
  badge.message = std::to_string(static_cast<long long>(std::llround(*mean_ms))) + " ms";
  badge.color = *mean_ms < 300 ? "#4c1" : *mean_ms < 1000 ? "#dfb317" : "#fe7d37";
  return badge;
}

std::string badgeSvg(const Badge& badge) {
  const int label_width = textWidth(badge.label) + 10;
  const int message_width = textWidth(badge.message) + 10;
  const int width = label_width + message_width;
  const auto label = escapeXml(badge.label);
  const auto message = escapeXml(badge.message);
  const auto number = [](double value) { return std::to_string(static_cast<int>(value)); };
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width) +
         "\" height=\"20\" role=\"img\" aria-label=\"" + label + ": " + message + "\">" +
         "<title>" + label + ": " + message + "</title>" +
         "<linearGradient id=\"shine\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" "
         "stop-color=\"#bbb\" stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/>"
         "</linearGradient>"
         "<clipPath id=\"round\"><rect width=\"" +
         number(width) + "\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>" +
         "<g clip-path=\"url(#round)\"><rect width=\"" + number(label_width) +
         "\" height=\"20\" fill=\"#555\"/><rect x=\"" + number(label_width) + "\" width=\"" +
         number(message_width) + "\" height=\"20\" fill=\"" + badge.color + "\"/><rect width=\"" +
         number(width) + "\" height=\"20\" fill=\"url(#shine)\"/></g>" +
         "<g fill=\"#fff\" text-anchor=\"middle\" "
         "font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">"
         "<text x=\"" +
         number(label_width / 2.0) + "\" y=\"14\">" + label + "</text><text x=\"" +
         number(label_width + message_width / 2.0) + "\" y=\"14\">" + message + "</text></g></svg>";
}

nlohmann::json badgeEndpointJson(const Badge& badge) {
  // shields.io takes a colour name or hex without the '#'.
  return {{"schemaVersion", 1},
          {"label", badge.label},
          {"message", badge.message},
          {"color", badge.color.substr(1)}};
}

}  // namespace webmon::consumer::status
