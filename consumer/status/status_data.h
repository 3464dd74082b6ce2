#pragma once
// What the status endpoints read, in one place: the URLs listed (the config's, in its order),
// their current state from PostgreSQL, and the uptime of every URL over 24 hours and 30 days,
// which a background thread recomputes from the rollups every `uptime_refresh` so that the
// status API answers from memory for that part (for 10,000 URLs the two windows take about
// 0.3 s of PostgreSQL's time; the rest of a status answer takes a few milliseconds).

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/config.h"
#include "consumer/status/read_only_connections.h"
#include "consumer/status/status_queries.h"

namespace webmon::consumer::status {

struct UrlOverview {
  ListedUrl listed;
  CurrentState state;
  std::optional<double> uptime_24h;  // percent; empty: no probe in the window
  std::optional<double> uptime_30d;
};

/// The page's detail for the URLs it shows.
struct UrlDetail {
  std::vector<DayCounts> days;  // the last 90 UTC days that have rows
  std::vector<HourLatency> latency;
};

class StatusData {
 public:
  StatusData(common::DbConfig db, std::vector<ListedUrl> configured,
             std::chrono::milliseconds uptime_refresh = std::chrono::seconds(30));
  ~StatusData();
  StatusData(const StatusData&) = delete;
  StatusData& operator=(const StatusData&) = delete;

  /// Starts the thread that keeps the uptime figures fresh.
  void startRefreshing();

  // Each of these throws DatabaseUnavailable when PostgreSQL cannot answer.
  std::vector<UrlOverview> overview();
  /// The listed URL `url`, if it is one.
  std::optional<ListedUrl> find(const std::string& url);
  std::vector<HistoryRow> history(const std::string& url, int limit);
  ProbeCounts counts(const std::string& url, int hours);
  std::vector<IncidentRow> incidents(const std::string& url, const std::string& since, int limit);
  std::map<std::string, UrlDetail> detail(const std::vector<std::string>& urls);
  /// One URL's current state (for a badge: no uptime figures, no other URLs' newest rows).
  CurrentState state(const std::string& url);
  /// One URL's hourly mean response times over the last 24 hours.
  std::vector<HourLatency> latency(const std::string& url);

 private:
  struct Uptimes {
    std::unordered_map<std::string, ProbeCounts> day, month;
    std::chrono::steady_clock::time_point computed_at;
  };
  std::vector<ListedUrl> listed();
  std::shared_ptr<const Uptimes> uptimes();
  std::shared_ptr<const Uptimes> computeUptimes();
  void refreshLoop();

  ReadOnlyConnections connections_;
  std::vector<ListedUrl> configured_;
  std::chrono::milliseconds uptime_refresh_;

  std::mutex uptimes_mutex_;  // guards uptimes_
  std::shared_ptr<const Uptimes> uptimes_;
  std::mutex compute_mutex_;  // one computation at a time

  std::mutex stop_mutex_;
  std::condition_variable stop_wakeup_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace webmon::consumer::status
