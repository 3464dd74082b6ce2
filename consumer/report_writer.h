#pragma once
// Writes one decoded batch to PostgreSQL in one transaction, with the offsets it covers
// (consumer/stored_offsets.h): each Kafka message is stored once.

#include <memory>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "common/config.h"
#include "consumer/alerts/incident_tracker.h"
#include "consumer/batch_endpoints.h"
#include "consumer/decoded_batch.h"
#include "consumer/report_partitions.h"
#include "consumer/write_result.h"

namespace webmon::consumer {

class ReportWriter final : public BatchStore {
 public:
  /// `keep_report_days`: retention.reports_days; reports of older days are set aside in
  /// rejected_reports (their day's partition is gone). 0 keeps every day. `tracker`: moves
  /// monitor_state and incidents with the inserted reports, in the same transaction (none:
  /// the tables are left alone).
  explicit ReportWriter(common::DbConfig config, int keep_report_days = 0,
                        std::shared_ptr<const alerts::IncidentTracker> tracker = nullptr);

  /// Connects if not connected (and applies pending migrations if asked to).
  /// Throws WriteFailed when the database cannot be reached.
  void connect();
  /// Inserts every report and every rejected message in ONE transaction, with the stored
  /// offsets of their partitions moved past them; the messages of a partition whose stored
  /// offset is not where the batch starts are not written (WriteResult::mismatched). Returns
  /// only after COMMIT succeeded; throws WriteFailed otherwise.
  /// A report PostgreSQL refuses for its data (SQLSTATE classes 22, 23 and 54: a bad value, a
  /// constraint, a limit) is not retried for ever: the batch is written again in halves, each
  /// under a savepoint, until the refused reports are found, and they go to rejected_reports
  /// with PostgreSQL's message while the rest is stored, still in one transaction.
  WriteResult write(const DecodedBatch& batch) override;
  bool moveStoredOffset(const std::string& topic, std::int32_t partition, std::int64_t from,
                        std::int64_t to) override;
  /// Applies pending migrations; returns how many ran.
  int migrate();

  const std::string& where() const noexcept { return where_; }

 private:
  pqxx::connection& connection();
  WriteResult writeAll(const DecodedBatch& batch);
  WriteResult writeIsolatingRefused(const DecodedBatch& batch);

  common::DbConfig config_;
  std::string where_;  // for messages: no password
  std::unique_ptr<pqxx::connection> connection_;
  ReportPartitions partitions_;
  bool staging_ready_ = false;  // the connection's temporary staging table exists
  std::shared_ptr<const alerts::IncidentTracker> tracker_;
};

}  // namespace webmon::consumer
