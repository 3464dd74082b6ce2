#include "consumer/status/status_data.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace webmon::consumer::status {

StatusData::StatusData(common::DbConfig db, std::vector<ListedUrl> configured,
                       std::chrono::milliseconds uptime_refresh)
    : connections_(std::move(db)),
      configured_(std::move(configured)),
      uptime_refresh_(uptime_refresh) {}

StatusData::~StatusData() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_wakeup_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

void StatusData::startRefreshing() {
  refresher_ = std::thread([this] { refreshLoop(); });
}

void StatusData::refreshLoop() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      computeUptimes();
    } catch (const std::exception& error) {
      // The figures already held stay; the status answers fail with a 503 anyway while
      // PostgreSQL is away, so nobody is shown them as current.
      spdlog::warn("status page: uptime figures not refreshed: {}", error.what());
    }
    lock.lock();
    stop_wakeup_.wait_for(lock, uptime_refresh_, [this] { return stopping_; });
  }
}

std::shared_ptr<const StatusData::Uptimes> StatusData::computeUptimes() {
  std::lock_guard computing(compute_mutex_);
  auto fresh = withConnection(connections_, [](pqxx::connection& db) {
    auto out = std::make_shared<Uptimes>();
    out->day = countsForAll(db, 24);
    out->month = countsForAll(db, 30 * 24);
    out->computed_at = std::chrono::steady_clock::now();
    return out;
  });
  std::lock_guard lock(uptimes_mutex_);
  uptimes_ = fresh;
  return fresh;
}

std::shared_ptr<const StatusData::Uptimes> StatusData::uptimes() {
  {
    std::lock_guard lock(uptimes_mutex_);
    // Twice the refresh period: the thread is late or failing; compute here instead.
    if (uptimes_ &&
        std::chrono::steady_clock::now() - uptimes_->computed_at < 2 * uptime_refresh_) {
      return uptimes_;
    }
  }
  return computeUptimes();
}

std::vector<ListedUrl> StatusData::listed() {
  if (!configured_.empty()) return configured_;
  return withConnection(connections_, [](pqxx::connection& db) { return urlsInMonitorState(db); });
}

std::optional<ListedUrl> StatusData::find(const std::string& url) {
  const auto matches = [&url](const ListedUrl& listed_url) { return listed_url.url == url; };
  if (!configured_.empty()) {
    const auto found = std::find_if(configured_.begin(), configured_.end(), matches);
    if (found == configured_.end()) return std::nullopt;
    return *found;
  }
  const auto known = listed();
  const auto found = std::find_if(known.begin(), known.end(), matches);
  if (found == known.end()) return std::nullopt;
  return *found;
}

std::vector<UrlOverview> StatusData::overview() {
  const auto urls = listed();
  auto states =
      withConnection(connections_, [](pqxx::connection& db) { return currentStates(db); });
  auto uptime = uptimes();
  // A URL heard of since the figures were computed would show "no data" until the next
  // refresh: compute them again now, at most every few seconds.
  const bool missing = std::any_of(urls.begin(), urls.end(), [&](const ListedUrl& url) {
    const auto state = states.find(url.url);
    return state != states.end() && state->second.status != "unknown" &&
           !uptime->day.contains(url.url);
  });
  if (missing && std::chrono::steady_clock::now() - uptime->computed_at > std::chrono::seconds(5)) {
    uptime = computeUptimes();
  }
  std::vector<UrlOverview> out;
  out.reserve(urls.size());
  for (const auto& url : urls) {
    UrlOverview item{url, {}, {}, {}};
    if (auto state = states.find(url.url); state != states.end()) item.state = state->second;
    if (auto day = uptime->day.find(url.url); day != uptime->day.end()) {
      item.uptime_24h = day->second.uptimePercent();
    }
    if (auto month = uptime->month.find(url.url); month != uptime->month.end()) {
      item.uptime_30d = month->second.uptimePercent();
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<HistoryRow> StatusData::history(const std::string& url, int limit) {
  return withConnection(connections_,
                        [&](pqxx::connection& db) { return status::history(db, url, limit); });
}

ProbeCounts StatusData::counts(const std::string& url, int hours) {
  return withConnection(connections_,
                        [&](pqxx::connection& db) { return countsFor(db, url, hours); });
}

std::vector<IncidentRow> StatusData::incidents(const std::string& url, const std::string& since,
                                               int limit) {
  return withConnection(
      connections_, [&](pqxx::connection& db) { return status::incidents(db, url, since, limit); });
}

std::map<std::string, UrlDetail> StatusData::detail(const std::vector<std::string>& urls) {
  return withConnection(connections_, [&](pqxx::connection& db) {
    std::map<std::string, UrlDetail> out;
    for (auto& [url, days] : dailyCounts(db, urls, 90)) out[url].days = std::move(days);
    for (auto& [url, hours] : hourlyLatency(db, urls)) out[url].latency = std::move(hours);
    return out;
  });
}

CurrentState StatusData::state(const std::string& url) {
  return withConnection(connections_, [&](pqxx::connection& db) { return currentState(db, url); });
}

std::vector<HourLatency> StatusData::latency(const std::string& url) {
  return withConnection(connections_, [&](pqxx::connection& db) {
    auto hours = hourlyLatency(db, {url});
    return hours.empty() ? std::vector<HourLatency>{} : std::move(hours.begin()->second);
  });
}

}  // namespace webmon::consumer::status
