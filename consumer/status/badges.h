#pragma once
// Badges for READMEs: a flat SVG in the shields.io look, and the same facts as shields.io
// "endpoint" JSON (https://shields.io/badges/endpoint-badge) for those who let shields draw it.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace webmon::consumer::status {

struct Badge {
  std::string label;    // "status"
  std::string message;  // "up"
  std::string color;    // a hex colour, "#4c1"
};

Badge statusBadge(const std::string& status);
Badge uptimeBadge(const std::string& window, std::optional<double> percent);
Badge responseBadge(std::optional<double> mean_ms);

std::string badgeSvg(const Badge& badge);
nlohmann::json badgeEndpointJson(const Badge& badge);

/// Text made safe for HTML and XML content and attribute values.
std::string escapeXml(const std::string& text);

}  // namespace webmon::consumer::status
