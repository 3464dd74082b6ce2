#include "consumer/report_writer.h"

#include <pqxx/except>
#include <pqxx/transaction>

#include "consumer/migrations.h"

namespace webmon::consumer {
namespace {

// Rows per INSERT statement: large enough to amortise the round trip, small enough that one
// statement stays well below a megabyte.
constexpr std::size_t kRowsPerStatement = 500;

std::string nullOr(pqxx::work& tx, const std::optional<std::string>& value) {
  return value ? tx.quote(*value) : "NULL";
}

void insertReports(pqxx::work& tx, const std::vector<ReportRecord>& reports, WriteResult& result) {
  for (std::size_t begin = 0; begin < reports.size(); begin += kRowsPerStatement) {
    const std::size_t end = std::min(reports.size(), begin + kRowsPerStatement);
    std::string sql =
        "INSERT INTO reports (id, url, name, checked_at, ok, http_status, response_time_ms, "
        "error_kind, error_message, producer_id, schema_version, kafka_topic, kafka_partition, "
        "kafka_offset) VALUES ";
    for (std::size_t i = begin; i < end; ++i) {
      const auto& record = reports[i];
      const auto& r = record.report;
      std::optional<std::string> kind, message;
      if (r.error) {
        kind = std::string(common::errorKindName(r.error->kind));
        message = r.error->message;
      }
      if (i != begin) sql += ',';
      sql += "(" + tx.quote(r.id) + "::uuid," + tx.quote(r.url) + "," + tx.quote(r.name) + "," +
             tx.quote(common::formatRfc3339(r.checked_at)) + "::timestamptz," +
             (r.ok ? "true" : "false") + "," +
             (r.http_status ? std::to_string(*r.http_status) : "NULL") + "," +
             tx.quote(r.response_time_ms) + "," + nullOr(tx, kind) + "," + nullOr(tx, message) +
             "," + tx.quote(r.producer_id) + "," + std::to_string(r.schema_version) + "," +
             tx.quote(record.position.topic) + "," + std::to_string(record.position.partition) +
             "," + std::to_string(record.position.offset) + ")";
    }
    sql += " ON CONFLICT (id) DO NOTHING";
    const auto inserted = static_cast<std::size_t>(tx.exec(sql).affected_rows());
    result.inserted += inserted;
    result.duplicates += (end - begin) - inserted;
  }
}

void insertRejected(pqxx::work& tx, const std::vector<RejectedRecord>& rejected,
                    WriteResult& result) {
  for (const auto& record : rejected) {
    const auto r = tx.exec(
        "INSERT INTO rejected_reports (kafka_topic, kafka_partition, kafka_offset, raw, reason) "
        "VALUES (" +
        tx.quote(record.position.topic) + "," + std::to_string(record.position.partition) + "," +
        std::to_string(record.position.offset) + "," +
        tx.quote_raw(reinterpret_cast<const unsigned char*>(record.raw.data()), record.raw.size()) +
        "," + tx.quote(common::escapeInvalidUtf8(record.reason)) +
        ") ON CONFLICT (kafka_topic, kafka_partition, kafka_offset) DO NOTHING");
    result.rejected += static_cast<std::size_t>(r.affected_rows());
  }
}

}  // namespace

ReportWriter::ReportWriter(common::DbConfig config)
    : config_(std::move(config)), where_(config_.describe()) {}

pqxx::connection& ReportWriter::connection() {
  if (connection_ && connection_->is_open()) return *connection_;
  connection_.reset();
  try {
    connection_ = std::make_unique<pqxx::connection>(config_.connectionString());
  } catch (const pqxx::broken_connection& error) {
    // libpq's message may quote the connection string: keep only its first line.
    std::string message = error.what();
    if (auto newline = message.find('\n'); newline != std::string::npos) {
      message.resize(newline);
    }
    throw WriteFailed("cannot connect to postgres " + where_ + ": " +
                      common::maskPassword(message));
  }
  return *connection_;
}

void ReportWriter::connect() { connection(); }

int ReportWriter::migrate() {
  try {
    return applyMigrations(connection(), builtInMigrations());
  } catch (const pqxx::broken_connection& error) {
    connection_.reset();
    throw WriteFailed("lost the postgres connection while migrating: " + std::string(error.what()));
  }
}

WriteResult ReportWriter::write(const DecodedBatch& batch) {
  WriteResult result;
  try {
    pqxx::work tx(connection(), "webmon-batch");
    insertReports(tx, batch.reports, result);
    insertRejected(tx, batch.rejected, result);
    tx.commit();
    return result;
  } catch (const WriteFailed&) {
    throw;
  } catch (const pqxx::in_doubt_error& error) {
    // The COMMIT may or may not have happened. Retrying is safe either way: every insert is
    // idempotent, so a second attempt adds nothing that is already there.
    connection_.reset();
    throw WriteFailed("postgres commit outcome unknown (" + std::string(error.what()) +
                      "); will retry the batch");
  } catch (const pqxx::broken_connection& error) {
    connection_.reset();
    throw WriteFailed("lost the postgres connection to " + where_ + ": " + error.what());
  } catch (const pqxx::argument_error& error) {
    // libpq refused to quote a value (e.g. bytes that are not valid in the client encoding).
    // Decoding should make this impossible; if it happens, say so rather than crash.
    throw WriteFailed("could not build the insert for the batch (" + std::string(error.what()) +
                      "); this is a webmon bug, please report it");
  } catch (const pqxx::sql_error& error) {
    // A failed statement leaves a connection that may be mid-shutdown (admin shutdown, ...);
    // start the next attempt on a fresh one.
    connection_.reset();
    throw WriteFailed("postgres rejected the batch (SQLSTATE " + error.sqlstate() +
                      "): " + error.what());
  }
}

}  // namespace webmon::consumer
