#include "consumer/alerts/notification_dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "consumer/alerts/notification_payloads.h"

namespace webmon::consumer::alerts {
namespace {

// Advisory lock keys are bigints: the receiver's name hashed by PostgreSQL, under a prefix
// of our own so no other user of advisory locks in the database collides by accident.
std::string receiverLockKey(pqxx::transaction_base& tx, const std::string& receiver) {
  return "hashtextextended(" + tx.quote("webmon-notify:" + receiver) + ", 0)";
}

std::string seconds(std::chrono::milliseconds ms) {
  return std::to_string(static_cast<double>(ms.count()) / 1000.0);
}

}  // namespace

NotificationDispatcher::NotificationDispatcher(common::DbConfig db, AlertPolicy policy,
                                               DispatcherOptions options,
                                               common::metrics::Registry* registry, Sender sender)
    : db_(std::move(db)),
      policy_(std::move(policy)),
      options_(options),
      sender_(std::move(sender)),
      registry_(registry) {
  // Made now, per receiver, so a scrape shows every receiver from the start at zero.
  for (const auto& receiver : policy_.receivers()) countersOf(receiver.name);
}

NotificationDispatcher::~NotificationDispatcher() { stop(); }

pqxx::connection& NotificationDispatcher::connection() {
  if (connection_ && connection_->is_open()) return *connection_;
  connection_.reset();  // a new session: the old one's advisory locks went with it
  connection_ = std::make_unique<pqxx::connection>(db_.connectionString());
  return *connection_;
}

std::string NotificationDispatcher::failingReceivers() const {
  std::lock_guard lock(failing_mutex_);
  std::string text;
  for (const auto& [receiver, error] : failing_) {
    text += (text.empty() ? "" : "; ") + receiver + " (" + error + ")";
  }
  return text;
}

// Open incidents whose last firing or reminder is older than their URL's remind_every get a
// reminder for each of the URL's receivers. Locked with SKIP LOCKED, and the age judged
// after the lock, so two dispatchers never queue the same reminder. An incident whose firing
// is held (maintenance, flapping) is not reminded of: its receivers have not heard of it.
std::size_t NotificationDispatcher::queueReminders() {
  pqxx::work tx(connection(), "webmon-reminders");
  const auto rows = tx.exec(
      "SELECT id, url, extract(epoch FROM now() - last_notified_at), reminders + 1, "
      "jsonb_build_object('url', url, 'name', name, 'state', 'down', 'previous_state', 'down', "
      "'opened_at', to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
      "'failed_probes', failed_probes, 'error_kind', cause_kind, 'error', cause)::text "
      "FROM incidents WHERE closed_at IS NULL AND firing_sent AND NOT EXISTS (SELECT 1 FROM "
      "monitor_state m WHERE m.url = incidents.url AND m.notifications_held IS NOT NULL) "
      "FOR UPDATE OF incidents SKIP LOCKED");
  std::size_t queued = 0;
  for (const auto& row : rows) {
    const UrlPolicy& policy = policy_.forUrl(row[1].as<std::string>());
    const auto every = policy.rules.remind_every.count();
    if (every <= 0 || policy.receivers.empty() || row[2].as<double>() < every) continue;
    const std::string id = row[0].as<std::string>();
    const std::string reminder = row[3].as<std::string>();
    auto event = nlohmann::json::parse(row[4].as<std::string>());
    event["reminder"] = std::stoi(reminder);
    const std::string quoted = tx.quote(event.dump()) + "::jsonb";
    for (const auto& receiver : policy.receivers) {
      tx.exec("INSERT INTO notifications (incident_id, receiver, kind, event) VALUES (" + id + "," +
              tx.quote(receiver) + ",'reminder'," + quoted + ")");
      ++queued;
    }
    tx.exec("UPDATE incidents SET reminders = " + reminder +
            ", last_notified_at = now() WHERE id = " + id);
  }
  tx.commit();
  return queued;
}

// A registry makes a new series on every call: each receiver's pair is made once, here.
NotificationDispatcher::ReceiverCounters* NotificationDispatcher::countersOf(
    const std::string& receiver) {
  if (registry_ == nullptr) return nullptr;
  auto it = counters_.find(receiver);
  if (it == counters_.end()) {
    const common::metrics::Labels labels = {{"receiver", receiver}};
    it = counters_
             .emplace(receiver,
                      ReceiverCounters{
                          &registry_->counter("webmon_notifications_sent_total",
                                              "Notifications a receiver accepted (2xx).", labels),
                          &registry_->counter("webmon_notification_failures_total",
                                              "Delivery attempts that failed (kept and retried).",
                                              labels)})
             .first;
  }
  return &it->second;
}

void NotificationDispatcher::noteReceiver(const std::string& receiver,
                                          const DeliveryOutcome& outcome) {
  if (auto* counters = countersOf(receiver)) {
    (outcome.delivered ? counters->sent : counters->failed)->inc();
  }
  std::lock_guard lock(failing_mutex_);
  if (outcome.delivered) {
    if (failing_.erase(receiver) > 0)
      spdlog::info("notification receiver {} delivers again", receiver);
  } else {
    failing_[receiver] = outcome.error;
  }
  if (failing_.empty()) {
    failing_since_.clear();
  } else {
    failing_since_.setIfUnset(std::chrono::steady_clock::now());
  }
}

// Sends `receiver`'s due notifications oldest first, each in a transaction of its own, and
// stops at the first failure: the receiver then backs off as a whole, so a receiver that is
// down costs one attempt per back-off, not one per notification.
void NotificationDispatcher::deliverTo(const std::string& receiver, RoundResult& result) {
  pqxx::connection& db = connection();
  {
    pqxx::nontransaction lock(db, "webmon-receiver-lock");
    if (!lock.exec1("SELECT pg_try_advisory_lock(" + receiverLockKey(lock, receiver) + ")")[0]
             .as<bool>()) {
      return;  // another dispatcher is sending this receiver's notifications
    }
  }
  struct Unlock {
    pqxx::connection& db;
    const std::string& receiver;
    ~Unlock() {
      try {
        pqxx::nontransaction tx(db, "webmon-receiver-unlock");
        tx.exec("SELECT pg_advisory_unlock(" + receiverLockKey(tx, receiver) + ")");
      } catch (const std::exception&) {
        // The connection is gone, and the lock with it.
      }
    }
  } unlock{db, receiver};
  const common::AlertReceiver* target = policy_.receiver(receiver);
  for (int sent = 0; sent < options_.per_receiver_per_round && !stop_; ++sent) {
    pqxx::work tx(db, "webmon-notify");
    const auto rows = tx.exec(
        "SELECT id, event_id::text, incident_id, kind, event::text, attempts, "
        "coalesce((event->>'reminder')::int, 0) FROM notifications "
        "WHERE receiver = " +
        tx.quote(receiver) +
        " AND delivered_at IS NULL AND next_attempt_at <= now() "
        "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED");
    if (rows.empty()) return;
    Notification n;
    n.id = rows[0][0].as<std::int64_t>();
    n.event_id = rows[0][1].as<std::string>();
    n.incident_id = rows[0][2].as<std::int64_t>();
    n.receiver = receiver;
    n.kind = rows[0][3].as<std::string>();
    n.event = nlohmann::json::parse(rows[0][4].as<std::string>());
    n.attempts = rows[0][5].as<int>();
    n.reminder = rows[0][6].as<int>();
    DeliveryOutcome outcome;
    if (target == nullptr) {
      outcome.error = "receiver " + receiver +
                      " is not in alerts.receivers any more: add it back, or delete its "
                      "notifications by hand";
    } else {
      outcome = sender_(*target, n);
    }
    const std::string id = std::to_string(n.id);
    if (outcome.delivered) {
      tx.exec(
          "UPDATE notifications SET delivered_at = now(), attempts = attempts + 1, "
          "last_error = NULL WHERE id = " +
          id);
      tx.exec(
          "INSERT INTO notification_receivers AS r (receiver, state, last_success_at) "
          "VALUES (" +
          tx.quote(receiver) +
          ", 'ok', now()) ON CONFLICT (receiver) DO UPDATE SET state = 'ok', "
          "consecutive_failures = 0, last_success_at = now(), updated_at = now()");
      tx.commit();
      ++result.delivered;
      noteReceiver(receiver, outcome);
      continue;
    }
    // The receiver's failures in a row decide the wait, for all its notifications at once.
    const auto failures =
        tx.exec1(
              "INSERT INTO notification_receivers AS r (receiver, state, consecutive_failures, "
              "last_error, last_failure_at) VALUES (" +
              tx.quote(receiver) + ", 'failing', 1, " + tx.quote(outcome.error) +
              ", now()) ON CONFLICT (receiver) DO UPDATE SET state = 'failing', "
              "consecutive_failures = r.consecutive_failures + 1, last_error = "
              "EXCLUDED.last_error, "
              "last_failure_at = now(), updated_at = now() RETURNING consecutive_failures")[0]
            .as<int>();
    auto wait = options_.first_retry;
    for (int i = 1; i < failures && wait < options_.longest_retry; ++i) wait *= 2;
    wait = std::min(wait, options_.longest_retry);
    tx.exec("UPDATE notifications SET attempts = attempts + 1, last_error = " +
            tx.quote(outcome.error) + " WHERE id = " + id);
    tx.exec("UPDATE notifications SET next_attempt_at = greatest(next_attempt_at, now() + " +
            tx.quote(seconds(wait)) + "::interval) WHERE receiver = " + tx.quote(receiver) +
            " AND delivered_at IS NULL");
    tx.commit();
    ++result.failed;
    noteReceiver(receiver, outcome);
    spdlog::warn(
        "notification {} ({} of incident {}) to {} failed, attempt {}: {}; retrying in "
        "{} s, the notification is kept",
        n.event_id, n.kind, n.incident_id, receiver, n.attempts + 1, outcome.error,
        wait.count() / 1000);
    return;
  }
}

RoundResult NotificationDispatcher::runRound() {
  RoundResult result;
  result.reminders = queueReminders();
  std::vector<std::string> due;
  {
    pqxx::nontransaction tx(connection(), "webmon-notify-due");
    for (const auto& row :
         tx.exec("SELECT DISTINCT receiver FROM notifications WHERE delivered_at IS NULL AND "
                 "next_attempt_at <= now() ORDER BY receiver")) {
      due.push_back(row[0].as<std::string>());
    }
  }
  for (const auto& receiver : due) {
    if (stop_) break;
    deliverTo(receiver, result);
  }
  return result;
}

void NotificationDispatcher::start(common::ShutdownSignal& shutdown) {
  thread_ = std::thread([this, &shutdown] {
    while (!stop_ && !shutdown.requested()) {
      try {
        const auto round = runRound();
        if (round.delivered + round.failed > 0) continue;  // more may be due right away
      } catch (const std::exception& error) {
        connection_.reset();
        spdlog::warn("notification dispatcher: {}; trying again in {} ms", error.what(),
                     options_.poll_interval.count());
      }
      shutdown.sleepFor(options_.poll_interval);
    }
  });
}

void NotificationDispatcher::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace webmon::consumer::alerts
