#include "consumer/stored_offsets.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <set>
#include <utility>

#include "consumer/postgres_messages.h"

namespace webmon::consumer {
namespace {

using PartitionKey = std::pair<std::string, std::int32_t>;

std::set<PartitionKey> keysOf(const std::vector<OffsetMismatch>& mismatched) {
  std::set<PartitionKey> keys;
  for (const auto& m : mismatched) keys.insert({m.topic, m.partition});
  return keys;
}

// ('topic', partition) pairs, for `IN (VALUES ...)`.
std::string partitionList(pqxx::transaction_base& tx, const std::vector<PartitionSpan>& spans) {
  std::string list;
  for (const auto& span : spans) {
    list += (list.empty() ? "(" : ",(") + tx.quote(span.topic) + "::text," +
            std::to_string(span.partition) + ")";
  }
  return list;
}

}  // namespace

std::vector<PartitionSpan> partitionSpans(const DecodedBatch& batch) {
  std::map<PartitionKey, PartitionSpan> spans;  // sorted: rows are locked in this order
  const auto add = [&spans](const KafkaPosition& position) {
    auto [it, fresh] = spans.try_emplace({position.topic, position.partition});
    auto& span = it->second;
    if (fresh) {
      span = {position.topic, position.partition, position.offset, position.offset + 1};
      return;
    }
    span.first = std::min(span.first, position.offset);
    span.next = std::max(span.next, position.offset + 1);
  };
  for (const auto& record : batch.reports) add(record.position);
  for (const auto& record : batch.rejected) add(record.position);
  std::vector<PartitionSpan> out;
  out.reserve(spans.size());
  for (auto& [key, span] : spans) out.push_back(std::move(span));
  return out;
}

// Two writers claiming several partitions lock them in the same (sorted) order, so they wait
// for each other instead of deadlocking.
std::vector<OffsetMismatch> claimOffsets(pqxx::transaction_base& tx,
                                         const std::vector<PartitionSpan>& spans) {
  std::vector<OffsetMismatch> mismatched;
  if (spans.empty()) return mismatched;
  // A partition never stored before starts where this batch starts. If two writers race for
  // it, the second waits here for the first to commit and then finds its row.
  std::string fresh;
  for (const auto& span : spans) {
    fresh += (fresh.empty() ? "(" : ",(") + tx.quote(span.topic) + "," +
             std::to_string(span.partition) + "," + std::to_string(span.first) + ")";
  }
  tx.exec("INSERT INTO consumer_offsets (kafka_topic, kafka_partition, next_offset) VALUES " +
          fresh + " ON CONFLICT DO NOTHING");
  std::map<PartitionKey, std::int64_t> stored;
  for (const auto& row :
       tx.exec("SELECT kafka_topic, kafka_partition, next_offset FROM consumer_offsets "
               "WHERE (kafka_topic, kafka_partition) IN (VALUES " +
               partitionList(tx, spans) + ") ORDER BY kafka_topic, kafka_partition FOR UPDATE")) {
    stored[{row[0].as<std::string>(), row[1].as<std::int32_t>()}] = row[2].as<std::int64_t>();
  }
  for (const auto& span : spans) {
    const auto found = stored.find({span.topic, span.partition});
    // Not found only if someone deleted the row between the two statements: refuse rather
    // than guess, the batch is tried again when its partition is read again.
    const std::int64_t next = found == stored.end() ? -1 : found->second;
    if (next != span.first) {
      mismatched.push_back({span.topic, span.partition, next, span.first});
    }
  }
  return mismatched;
}

void advanceOffsets(pqxx::transaction_base& tx, const std::vector<PartitionSpan>& spans,
                    const std::vector<OffsetMismatch>& mismatched) {
  const auto skip = keysOf(mismatched);
  std::string values;
  for (const auto& span : spans) {
    if (skip.count({span.topic, span.partition}) != 0) continue;
    values += (values.empty() ? "(" : ",(") + tx.quote(span.topic) + "::text," +
              std::to_string(span.partition) + "::integer," + std::to_string(span.next) +
              "::bigint)";
  }
  if (values.empty()) return;
  tx.exec(
      "UPDATE consumer_offsets AS o SET next_offset = v.next_offset, updated_at = now() "
      "FROM (VALUES " +
      values +
      ") AS v (kafka_topic, kafka_partition, next_offset) "
      "WHERE o.kafka_topic = v.kafka_topic AND o.kafka_partition = v.kafka_partition");
}

DecodedBatch withoutPartitions(const DecodedBatch& batch,
                               const std::vector<OffsetMismatch>& mismatched) {
  const auto skip = keysOf(mismatched);
  const auto keep = [&skip](const KafkaPosition& position) {
    return skip.count({position.topic, position.partition}) == 0;
  };
  DecodedBatch kept;
  for (const auto& record : batch.reports) {
    if (keep(record.position)) kept.reports.push_back(record);
  }
  for (const auto& record : batch.rejected) {
    if (keep(record.position)) kept.rejected.push_back(record);
  }
  return kept;
}

bool moveStoredOffset(pqxx::transaction_base& tx, const std::string& topic, std::int32_t partition,
                      std::int64_t from, std::int64_t to) {
  const auto moved = tx.exec("UPDATE consumer_offsets SET next_offset = " + std::to_string(to) +
                             ", updated_at = now() WHERE kafka_topic = " + tx.quote(topic) +
                             " AND kafka_partition = " + std::to_string(partition) +
                             " AND next_offset = " + std::to_string(from));
  return moved.affected_rows() == 1;
}

StoredOffsets::StoredOffsets(common::DbConfig config) : config_(std::move(config)) {}

std::optional<std::map<std::int32_t, std::int64_t>> StoredOffsets::load(
    const std::string& topic, const std::vector<std::int32_t>& partitions) {
  std::map<std::int32_t, std::int64_t> stored;
  if (partitions.empty()) return stored;
  try {
    if (!connection_ || !connection_->is_open()) {
      connection_ = std::make_unique<pqxx::connection>(config_.connectionString());
    }
    std::string list;
    for (const auto partition : partitions) {
      list += (list.empty() ? "" : ",") + std::to_string(partition);
    }
    pqxx::nontransaction tx(*connection_);
    for (const auto& row :
         tx.exec("SELECT kafka_partition, next_offset FROM consumer_offsets WHERE kafka_topic = " +
                 tx.quote(topic) + " AND kafka_partition IN (" + list + ")")) {
      stored[row[0].as<std::int32_t>()] = row[1].as<std::int64_t>();
    }
    return stored;
  } catch (const std::exception& error) {
    connection_.reset();
    spdlog::warn(
        "cannot read the stored offsets from postgres {} ({}); reading the assigned "
        "partitions from Kafka's committed offsets instead: what is already stored will be "
        "refused and read again from the stored offset",
        config_.describe(), connectionFailureMessage(error.what()));
    return std::nullopt;
  }
}

}  // namespace webmon::consumer
