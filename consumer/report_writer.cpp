#include "consumer/report_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/stream_to>
#include <pqxx/subtransaction>
#include <pqxx/transaction>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "common/report_fields.h"
#include "common/utf8.h"
#include "consumer/migrations.h"
#include "consumer/postgres_messages.h"
#include "consumer/rollups.h"
#include "consumer/stored_offsets.h"

namespace webmon::consumer {
namespace {

// A batch goes in with COPY (pqxx::stream_to) straight into reports: the stored offsets
// (consumer/stored_offsets.h) make sure no message of it is stored already, so there is no
// conflict to look for. Only a batch PostgreSQL refuses goes the slow way, through a
// session-local staging table and INSERT ... ON CONFLICT, half by half (insertIsolating).
constexpr const char* kStagingTable = "webmon_report_staging";
// The columns a batch fills: the report's fields (common/report_fields.h) and where in Kafka
// the report was read.
constexpr std::array<std::string_view, 3> kPositionColumns = {"kafka_topic", "kafka_partition",
                                                              "kafka_offset"};
constexpr std::size_t kStoredColumns = common::kReportColumns + kPositionColumns.size();

std::vector<std::string> storedColumns() {
  std::vector<std::string> columns;
  for (const auto name : common::reportColumnNames()) columns.emplace_back(name);
  for (const auto name : kPositionColumns) columns.emplace_back(name);
  return columns;
}

const std::string& columnList() {
  static const std::string list = [] {
    std::string text;
    for (const auto& column : storedColumns()) text += (text.empty() ? "" : ", ") + column;
    return text;
  }();
  return list;
}

// A temporary table lives as long as the connection; ON COMMIT DELETE ROWS empties it after
// every batch. No constraints: reports' own constraints judge the rows on the way in.
void createStagingTable(pqxx::work& tx) {
  tx.exec(std::string("CREATE TEMPORARY TABLE ") + kStagingTable +
          " (LIKE reports INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
  BatchRollups::createStagingTables(tx);
}

void copyRows(pqxx::transaction_base& tx, const std::string& table,
              std::span<const ReportRecord> reports) {
  if (reports.empty()) return;
  pqxx::stream_to stream(tx, table, storedColumns());
  common::CopyRow row;
  std::array<const char*, kStoredColumns> values{};  // nullptr: SQL NULL
  for (const auto& record : reports) {
    row.reset();
    for (const auto& field : common::reportFields()) field.store(record.report, row);
    std::copy(row.values().begin(), row.values().end(), values.begin());
    const std::string partition = std::to_string(record.position.partition);
    const std::string offset = std::to_string(record.position.offset);
    values[common::kReportColumns] = record.position.topic.c_str();
    values[common::kReportColumns + 1] = partition.c_str();
    values[common::kReportColumns + 2] = offset.c_str();
    stream << values;  // as a tuple: stream_to takes any std::get-able row
  }
  stream.complete();
}

// Inserts the reports; returns those whose id was already stored (before or earlier in this
// batch): redeliveries, or a different report reusing an id.
std::vector<const ReportRecord*> insertReports(pqxx::transaction_base& tx,
                                               std::span<const ReportRecord> reports,
                                               WriteResult& result) {
  std::vector<const ReportRecord*> not_inserted;
  if (reports.empty()) return not_inserted;
  copyRows(tx, kStagingTable, reports);
  // The staging table is read in the order it was written, so of two reports with one id in
  // the batch the first is the one inserted, as with row-by-row inserts.
  std::unordered_multiset<std::string> inserted;
  for (const auto& row :
       tx.exec("INSERT INTO reports (" + columnList() + ") SELECT " + columnList() + " FROM " +
               kStagingTable + " ON CONFLICT (id, checked_at) DO NOTHING RETURNING id::text")) {
    inserted.insert(row[0].as<std::string>());
  }
  result.inserted += inserted.size();
  for (const auto& record : reports) {
    auto it = inserted.find(record.report.id);
    if (it == inserted.end()) {
      not_inserted.push_back(&record);
    } else {
      inserted.erase(it);
    }
  }
  return not_inserted;
}

// Errors in the data rather than the database: a value out of range or malformed (class
// 22), a constraint (23), a limit such as the size of an index entry (54). The same report
// fails the same way every time, so retrying its batch would stall the partition for ever.
bool isRefusedData(const pqxx::sql_error& error) {
  const std::string& state = error.sqlstate();
  return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0 || state.rfind("54", 0) == 0;
}

// PostgreSQL's message without libpq's "ERROR:  " and the trailing newline.
std::string serverMessage(const pqxx::sql_error& error) {
  std::string message = error.what();
  if (message.rfind("ERROR:", 0) == 0) message.erase(0, message.find_first_not_of(' ', 6));
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (auto& c : message) c = c == '\n' ? ' ' : c;
  return message;
}

struct Isolated {
  WriteResult result;
  std::vector<const ReportRecord*> not_inserted;  // ids already stored
  std::vector<const ReportRecord*> refused;       // in result.refused too
};

// Inserts `reports` under a savepoint; when PostgreSQL refuses them for their data, tries
// each half on its own, down to the single reports it refuses, which go to `out.refused`.
// One refused report in a batch of n costs about 2 log2(n) savepoints.
void insertIsolating(pqxx::work& tx, std::span<const ReportRecord> reports, Isolated& out) {
  if (reports.empty()) return;
  try {
    pqxx::subtransaction chunk(tx, "webmon-chunk");
    WriteResult part;
    const auto not_inserted = insertReports(chunk, reports, part);
    // The next chunk's COPY must find the staging table empty.
    chunk.exec(std::string("DELETE FROM ") + kStagingTable);
    chunk.commit();
    out.result.inserted += part.inserted;
    out.not_inserted.insert(out.not_inserted.end(), not_inserted.begin(), not_inserted.end());
  } catch (const pqxx::sql_error& error) {
    if (!isRefusedData(error)) throw;
    if (reports.size() > 1) {
      const auto half = reports.size() / 2;
      insertIsolating(tx, reports.first(half), out);
      insertIsolating(tx, reports.subspan(half), out);
      return;
    }
    const auto& record = reports.front();
    out.refused.push_back(&record);
    out.result.refused.push_back(
        {record.position,
         record.raw.empty() ? common::encodeReport(record.report) : std::string(record.raw),
         "postgres refused the report (SQLSTATE " + error.sqlstate() +
             "): " + serverMessage(error)});
  }
}

// Sorts reports whose id was already stored: the same probe again (a redelivery, harmless and
// counted as a duplicate) or a different report with a clashing id, which goes to
// rejected_reports so an operator can see it.
std::vector<RejectedRecord> sortOutDuplicates(pqxx::work& tx,
                                              const std::vector<const ReportRecord*>& duplicates,
                                              WriteResult& result) {
  std::vector<RejectedRecord> clashes;
  if (duplicates.empty()) return clashes;
  std::string ids;
  for (const auto* record : duplicates) {
    ids += (ids.empty() ? "" : ",") + tx.quote(record->report.id) + "::uuid";
  }
  // The identity of a probe: which producer checked which URL when.
  std::unordered_map<std::string, std::string> stored;
  for (const auto& row :
       tx.exec("SELECT id::text, producer_id || ' ' || url || ' ' || "
               "to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
               "FROM reports WHERE id IN (" +
               ids + ")")) {
    stored.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  for (const auto* record : duplicates) {
    const auto& r = record->report;
    const std::string identity =
        r.producer_id + " " + r.url + " " + common::formatRfc3339(r.checked_at);
    if (stored[r.id] == identity) {
      ++result.duplicates;
      continue;
    }
    clashes.push_back({record->position,
                       record->raw.empty() ? common::encodeReport(r) : std::string(record->raw),
                       "duplicate id " + r.id + ": a different report (" + stored[r.id] +
                           ") is already stored with this id"});
  }
  return clashes;
}

// The reports this transaction inserted: all of `reports` but those `not_stored` (ids
// already stored, refused by PostgreSQL). Only they are rolled up and move alert states.
std::vector<const common::ProbeReport*> insertedReports(
    std::span<const ReportRecord> reports, const std::vector<const ReportRecord*>& not_stored) {
  const std::unordered_set<const ReportRecord*> skip(not_stored.begin(), not_stored.end());
  std::vector<const common::ProbeReport*> inserted;
  inserted.reserve(reports.size());
  for (const auto& record : reports) {
    if (skip.count(&record) == 0) inserted.push_back(&record.report);
  }
  return inserted;
}

void rollUp(pqxx::transaction_base& tx, const std::vector<const common::ProbeReport*>& reports) {
  BatchRollups rollups;
  for (const auto* report : reports) rollups.add(*report);
  rollups.store(tx);
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

std::size_t messageCount(const DecodedBatch& batch) {
  return batch.reports.size() + batch.rejected.size();
}

}  // namespace

ReportWriter::ReportWriter(common::DbConfig config, int keep_report_days,
                           std::shared_ptr<const alerts::IncidentTracker> tracker)
    : config_(std::move(config)),
      where_(config_.describe()),
      partitions_(keep_report_days),
      tracker_(std::move(tracker)) {}

pqxx::connection& ReportWriter::connection() {
  if (connection_ && connection_->is_open()) return *connection_;
  connection_.reset();
  staging_ready_ = false;  // temporary tables belong to the old session
  try {
    connection_ = std::make_unique<pqxx::connection>(config_.connectionString());
  } catch (const pqxx::broken_connection& error) {
    throw WriteFailed("cannot connect to postgres " + where_ + ": " +
                      connectionFailureMessage(error.what()));
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

// The common case: the whole batch in one go, with no savepoint to pay for.
WriteResult ReportWriter::writeAll(const DecodedBatch& batch) {
  WriteResult result;
  pqxx::work tx(connection(), "webmon-batch");
  if (!staging_ready_) createStagingTable(tx);
  const auto spans = partitionSpans(batch);
  result.mismatched = claimOffsets(tx, spans);
  const DecodedBatch claimed = withoutPartitions(batch, result.mismatched);
  result.not_stored = messageCount(batch) - messageCount(claimed);
  copyRows(tx, "reports", claimed.reports);
  result.inserted = claimed.reports.size();
  const auto inserted = insertedReports(claimed.reports, {});
  rollUp(tx, inserted);
  if (tracker_) tracker_->apply(tx, inserted);
  insertRejected(tx, claimed.rejected, result);
  advanceOffsets(tx, spans, result.mismatched);
  tx.commit();
  staging_ready_ = true;  // it exists now that the transaction creating it committed
  return result;
}

// After PostgreSQL refused the batch for its data: the same batch, in halves under savepoints,
// with the refused reports set aside. A refusal at COMMIT (a deferred constraint) escapes as
// a WriteFailed and is retried: no savepoint can isolate it. Reports whose id is already
// stored (a producer that sent one report twice) are sorted out here too.
WriteResult ReportWriter::writeIsolatingRefused(const DecodedBatch& batch) {
  pqxx::work tx(connection(), "webmon-batch-isolating");
  if (!staging_ready_) createStagingTable(tx);
  const auto spans = partitionSpans(batch);
  auto mismatched = claimOffsets(tx, spans);
  const DecodedBatch claimed = withoutPartitions(batch, mismatched);
  Isolated isolated;
  insertIsolating(tx, claimed.reports, isolated);
  auto not_stored = isolated.not_inserted;
  not_stored.insert(not_stored.end(), isolated.refused.begin(), isolated.refused.end());
  const auto inserted = insertedReports(claimed.reports, not_stored);
  rollUp(tx, inserted);
  if (tracker_) tracker_->apply(tx, inserted);
  WriteResult& result = isolated.result;
  insertRejected(tx, sortOutDuplicates(tx, isolated.not_inserted, result), result);
  insertRejected(tx, result.refused, result);
  insertRejected(tx, claimed.rejected, result);
  advanceOffsets(tx, spans, mismatched);
  tx.commit();
  staging_ready_ = true;
  result.not_stored = messageCount(batch) - messageCount(claimed);
  result.mismatched = std::move(mismatched);
  return result;
}

bool ReportWriter::moveStoredOffset(const std::string& topic, std::int32_t partition,
                                    std::int64_t from, std::int64_t to) {
  try {
    pqxx::work tx(connection(), "webmon-move-offset");
    const bool moved = consumer::moveStoredOffset(tx, topic, partition, from, to);
    tx.commit();
    return moved;
  } catch (const WriteFailed&) {
    return false;
  } catch (const std::exception&) {
    connection_.reset();
    return false;
  }
}

WriteResult ReportWriter::write(const DecodedBatch& batch) {
  try {
    std::vector<RejectedRecord> set_aside;  // reports of days without a partition
    const auto refused_days = partitions_.ensure(connection(), batch);
    const DecodedBatch storable =
        refused_days.empty() ? DecodedBatch{} : withoutDays(batch, refused_days, set_aside);
    const DecodedBatch& to_write = refused_days.empty() ? batch : storable;
    WriteResult result;
    try {
      result = writeAll(to_write);
    } catch (const pqxx::sql_error& error) {
      if (!isRefusedData(error)) throw;
      result = writeIsolatingRefused(to_write);
    }
    // The reports of a day without partition went to rejected_reports, unless their partition
    // was not written at all.
    const auto written = withoutPartitions(DecodedBatch{{}, set_aside}, result.mismatched);
    result.refused.insert(result.refused.end(), written.rejected.begin(), written.rejected.end());
    return result;
  } catch (const WriteFailed&) {
    throw;
  } catch (const pqxx::in_doubt_error& error) {
    // The COMMIT may or may not have happened. Retrying is safe either way: if it happened, the
    // stored offsets have moved past the batch, and the second attempt writes nothing of it.
    connection_.reset();
    throw WriteFailed("postgres commit outcome unknown (" + std::string(error.what()) +
                      "); will retry the batch");
  } catch (const pqxx::broken_connection& error) {
    connection_.reset();
    throw WriteFailed("lost the postgres connection to " + where_ + ": " + error.what());
  } catch (const pqxx::transaction_rollback& error) {
    // A deadlock or serialization failure (SQLSTATE class 40; libpqxx 6 does not make these
    // sql_errors): PostgreSQL rolled the transaction back, and trying again is what it asks.
    throw WriteFailed("postgres rolled the batch back (" + std::string(error.what()) +
                      "); will retry the batch");
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
