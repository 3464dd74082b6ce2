#pragma once
// The status page: server-rendered HTML with inline SVG and inline CSS, no JavaScript, so it
// works from a phone, a text browser and a screenshot tool alike, and follows the reader's
// light or dark mode. Only the page's own URLs carry the 90-day bar and the sparkline, read
// from the rollups; the counts at the top cover every URL.

#include <string>
#include <vector>

#include "consumer/status/status_data.h"

namespace webmon::consumer::status {

struct PageEntry {
  UrlOverview overview;
  UrlDetail detail;
};

struct StatusCounts {
  std::size_t up = 0, degraded = 0, down = 0, unknown = 0;
};

struct PageModel {
  std::string generated_at;           // ISO 8601, UTC
  std::string today;                  // YYYY-MM-DD (UTC): the bar's last day
  StatusCounts counts;                // over every URL, not just this page's
  std::vector<UrlOverview> problems;  // every URL down or degraded (the first 50)
  std::size_t problems_total = 0;
  std::vector<PageEntry> entries;      // this page's URLs, grouped in config order
  std::vector<IncidentRow> incidents;  // the newest few, open ones included
  std::string group;                   // the ?group= shown, or empty for all
  int page = 1;
  int pages = 1;
};

/// The whole page.
std::string renderStatusPage(const PageModel& model);
/// What the page says instead when PostgreSQL cannot answer: nothing stale is shown as current.
std::string renderUnavailablePage(const std::string& reason);

/// The 90 UTC days ending on `today` (YYYY-MM-DD), oldest first.
std::vector<std::string> lastDays(const std::string& today, int days);
/// A day's colour class: "up", "degraded", "down" or "none" (no probes that day).
std::string dayClass(const ProbeCounts& counts);

/// Percent-encodes `text` for a query string.
std::string encodeQueryValue(const std::string& text);

}  // namespace webmon::consumer::status
