#pragma once
// Writes one decoded batch to PostgreSQL in one transaction, idempotently.

#include <memory>
#include <pqxx/connection>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/config.h"
#include "consumer/decoded_batch.h"

namespace webmon::consumer {

struct WriteResult {
  std::size_t inserted = 0;    // new report rows
  std::size_t duplicates = 0;  // the same report again (a redelivery): nothing to do
  std::size_t rejected = 0;    // rejected messages stored (new ones only), id clashes included
  /// Reports PostgreSQL itself refused (a constraint, a value or a limit the decoder does not
  /// know), set aside in rejected_reports with its message. They count in `rejected` when new.
  std::vector<RejectedRecord> refused;
};

/// The batch was not written; nothing of it is in the database. Safe to retry.
class WriteFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ReportWriter {
 public:
  explicit ReportWriter(common::DbConfig config);

  /// Connects if not connected (and applies pending migrations if asked to).
  /// Throws WriteFailed when the database cannot be reached.
  void connect();
  /// Inserts every report (ignoring ids already stored) and every rejected message in ONE
  /// transaction. Returns only after COMMIT succeeded; throws WriteFailed otherwise.
  /// A report PostgreSQL refuses for its data (SQLSTATE classes 22, 23 and 54: a bad value, a
  /// constraint, a limit) is not retried for ever: the batch is written again in halves, each
  /// under a savepoint, until the refused reports are found, and they go to rejected_reports
  /// with PostgreSQL's message while the rest is stored, still in one transaction.
  WriteResult write(const DecodedBatch& batch);
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
  bool staging_ready_ = false;  // the connection's temporary staging table exists
};

}  // namespace webmon::consumer
