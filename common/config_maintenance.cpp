// Maintenance windows (alerts.maintenance and a URL's alerts.maintenance): once or weekly,
// in a named time zone, checked here so the consumer never meets a window it cannot place.

#include <algorithm>
#include <array>
#include <filesystem>

#include "common/config_sections.h"

namespace webmon::common::config_sections {
namespace {

constexpr long long kMaxDurationSeconds = 31LL * 24 * 3600;
constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

bool digitsAt(const std::string& text, std::size_t at, std::size_t count) {
  return at + count <= text.size() && std::all_of(text.begin() + static_cast<long>(at),
                                                  text.begin() + static_cast<long>(at + count),
                                                  [](char c) { return c >= '0' && c <= '9'; });
}

int number(const std::string& text, std::size_t at, std::size_t count) {
  return std::stoi(text.substr(at, count));
}

// "HH:MM" or "HH:MM:SS", a time of day.
bool isTimeOfDay(const std::string& text) {
  const bool with_seconds = text.size() == 8;
  if (!(text.size() == 5 || with_seconds) || !digitsAt(text, 0, 2) || text[2] != ':' ||
      !digitsAt(text, 3, 2) || number(text, 0, 2) > 23 || number(text, 3, 2) > 59) {
    return false;
  }
  return !with_seconds || (text[5] == ':' && digitsAt(text, 6, 2) && number(text, 6, 2) <= 59);
}

// "YYYY-MM-DDTHH:MM[:SS]", a local date and time without an offset: the window's time_zone
// says where it is.
bool isLocalDateTime(const std::string& text) {
  if (text.size() < 16 || !digitsAt(text, 0, 4) || text[4] != '-' || !digitsAt(text, 5, 2) ||
      text[7] != '-' || !digitsAt(text, 8, 2) || (text[10] != 'T' && text[10] != ' ')) {
    return false;
  }
  const int month = number(text, 5, 2), day = number(text, 8, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && isTimeOfDay(text.substr(11));
}

// A name from the time zone database ("Europe/Berlin", "UTC"), as Debian's tzdata has it:
// PostgreSQL on Debian reads the same files, so a zone found here is one it knows.
bool isKnownTimeZone(const std::string& zone) {
  if (zone == "UTC") return true;
  if (zone.empty() || zone.size() > 64 || zone.front() == '/' ||
      zone.find("..") != std::string::npos ||
      zone.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+-") !=
          std::string::npos) {
    return false;
  }
  std::error_code error;
  return std::filesystem::is_regular_file("/usr/share/zoneinfo/" + zone, error);
}

std::optional<MaintenanceWindow> readWindow(const ConfigReader& node, bool with_urls) {
  if (!node.raw()->is_object()) {
    node.fail(
        "must be an object: {\"start\": \"2026-12-05T22:00\", \"duration\": 3600} or "
        "{\"weekly\": {\"days\": [\"sun\"], \"at\": \"03:00\"}, \"duration\": 3600}");
    return std::nullopt;
  }
  if (with_urls) {
    node.rejectUnknownKeys({"name", "start", "weekly", "duration", "time_zone", "urls"});
  } else {
    node.rejectUnknownKeys({"name", "start", "weekly", "duration", "time_zone"});
  }
  MaintenanceWindow window;
  if (const auto name = node.field("name"); name.present()) {
    if (auto text = name.nonEmptyString()) window.name = *text;
  }
  const auto start = node.field("start");
  const auto weekly = node.field("weekly");
  if (start.present() == weekly.present()) {
    node.failWithoutValue("must have either start (once) or weekly (every week), not both");
  }
  if (start.present()) {
    if (auto text = start.nonEmptyString()) {
      if (!isLocalDateTime(*text)) {
        start.fail(
            "must be a local date and time like 2026-12-05T22:00 (no offset: "
            "time_zone says where)");
      }
      window.start = *text;
      window.start[10] = 'T';
    }
  } else if (weekly.present()) {
    if (!weekly.raw()->is_object()) {
      weekly.fail("must be an object: {\"days\": [\"sat\", \"sun\"], \"at\": \"03:00\"}");
    } else {
      weekly.rejectUnknownKeys({"days", "at"});
      const auto days = weekly.field("days");
      if (days.required()) {
        if (days.raw()->is_array() && days.arraySize() == 0) days.fail("must name a day");
        for (std::size_t i = 0; i < days.arraySize(); ++i) {
          const auto item = days.element(i);
          const auto text = item.nonEmptyString();
          if (!text) continue;
          const auto found = std::find(kDays.begin(), kDays.end(), *text);
          if (found == kDays.end()) {
            item.fail("must be one of mon, tue, wed, thu, fri, sat, sun");
            continue;
          }
          const int iso_day = static_cast<int>(found - kDays.begin()) + 1;
          if (std::find(window.weekdays.begin(), window.weekdays.end(), iso_day) ==
              window.weekdays.end()) {
            window.weekdays.push_back(iso_day);
          }
        }
      }
      const auto at = weekly.field("at");
      if (at.required()) {
        if (auto text = at.nonEmptyString()) {
          if (!isTimeOfDay(*text)) at.fail("must be a time of day like 03:00");
          window.at = *text;
        }
      }
    }
  }
  const auto duration = node.field("duration");
  if (duration.required()) {
    if (auto seconds = duration.integer(60, kMaxDurationSeconds)) {
      window.duration = std::chrono::seconds(*seconds);
    }
  }
  if (const auto zone = node.field("time_zone"); zone.present()) {
    if (auto text = zone.nonEmptyString()) {
      if (!isKnownTimeZone(*text)) {
        zone.fail("must be a time zone name like Europe/Berlin or UTC (see /usr/share/zoneinfo)");
      }
      window.time_zone = *text;
    }
  }
  if (with_urls) {
    const auto urls = node.field("urls");
    for (std::size_t i = 0; i < urls.arraySize(); ++i) {
      if (auto text = urls.element(i).nonEmptyString()) window.urls.push_back(*text);
    }
  }
  return window;
}

}  // namespace

void readMaintenance(const ConfigReader& node, bool with_urls,
                     std::vector<MaintenanceWindow>& out) {
  if (!node.present()) return;
  for (std::size_t i = 0; i < node.arraySize(); ++i) {
    if (auto window = readWindow(node.element(i), with_urls)) out.push_back(std::move(*window));
  }
}

void checkMaintenanceUrls(const ConfigReader& node, const std::vector<MonitoredUrl>& urls) {
  if (!node.present() || !node.raw()->is_array()) return;
  for (std::size_t i = 0; i < node.arraySize(); ++i) {
    const auto listed = node.element(i).field("urls");
    if (!listed.present() || !listed.raw()->is_array()) continue;
    for (std::size_t j = 0; j < listed.arraySize(); ++j) {
      const auto item = listed.element(j);
      if (!item.raw()->is_string()) continue;
      const auto text = item.raw()->get<std::string>();
      const bool known = std::any_of(urls.begin(), urls.end(), [&](const MonitoredUrl& url) {
        return url.url == text || url.name == text;
      });
      if (!known) item.fail("names no url or name in monitored_urls");
    }
  }
}

}  // namespace webmon::common::config_sections
