#pragma once
// Writes one decoded batch to PostgreSQL in one transaction, idempotently.

#include <memory>
#include <pqxx/connection>
#include <stdexcept>
#include <string>

#include "common/config.h"
#include "consumer/decoded_batch.h"

namespace webmon::consumer {

struct WriteResult {
  std::size_t inserted = 0;    // new report rows
  std::size_t duplicates = 0;  // the same report again (a redelivery): nothing to do
  std::size_t rejected = 0;    // rejected messages stored (new ones only), id clashes included
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
  WriteResult write(const DecodedBatch& batch);
  /// Applies pending migrations; returns how many ran.
  int migrate();

  const std::string& where() const noexcept { return where_; }

 private:
  pqxx::connection& connection();

  common::DbConfig config_;
  std::string where_;  // for messages: no password
  std::unique_ptr<pqxx::connection> connection_;
  bool staging_ready_ = false;  // the connection's temporary staging table exists
};

}  // namespace webmon::consumer
