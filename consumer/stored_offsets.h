#pragma once
// The offsets stored with the rows (migration 011, table consumer_offsets): what makes each
// Kafka message stored exactly once by construction. Inside a batch's transaction the batch
// claims its partitions (locks their rows) and is written only where it starts exactly at the
// stored next offset; the same transaction then moves them past the batch. A consumer that
// lost a partition to another, or a batch read again after a crash, finds the offset moved and
// writes nothing of that partition. Outside a batch, StoredOffsets tells a newly assigned
// partition where to start reading.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

#include "common/config.h"
#include "consumer/decoded_batch.h"
#include "consumer/write_result.h"

namespace webmon::consumer {

/// The messages of one partition in a batch: offsets first .. next-1 (gaps are allowed:
/// Kafka's offsets need not be consecutive).
struct PartitionSpan {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t first = 0;
  std::int64_t next = 0;
};

/// One span per partition the batch has messages of, reports and rejected messages alike.
std::vector<PartitionSpan> partitionSpans(const DecodedBatch& batch);

/// Locks the stored offsets of `spans` until the transaction ends (a partition seen for the
/// first time gets a row at the batch's first offset) and returns the spans that do not start
/// at their stored next offset.
std::vector<OffsetMismatch> claimOffsets(pqxx::transaction_base& tx,
                                         const std::vector<PartitionSpan>& spans);

/// Moves the stored offsets past `spans`, except the `mismatched` partitions.
void advanceOffsets(pqxx::transaction_base& tx, const std::vector<PartitionSpan>& spans,
                    const std::vector<OffsetMismatch>& mismatched);

/// `batch` without the messages of the `mismatched` partitions.
DecodedBatch withoutPartitions(const DecodedBatch& batch,
                               const std::vector<OffsetMismatch>& mismatched);

/// Moves a partition's stored offset from `from` to `to` if it is still `from`; false if it
/// was not (someone stored meanwhile). For a partition whose stored offset is outside what
/// Kafka holds (deleted by retention, or a topic created anew).
bool moveStoredOffset(pqxx::transaction_base& tx, const std::string& topic, std::int32_t partition,
                      std::int64_t from, std::int64_t to);

/// Reads stored offsets on a connection of its own: the rebalance callback runs on the reading
/// thread while the writer thread's connection is inside a transaction.
class StoredOffsets {
 public:
  explicit StoredOffsets(common::DbConfig config);

  /// The stored next offset of each of `partitions` of `topic` that has one; nullopt (and a
  /// warning saying what happens instead) when PostgreSQL cannot be asked.
  std::optional<std::map<std::int32_t, std::int64_t>> load(
      const std::string& topic, const std::vector<std::int32_t>& partitions);

 private:
  common::DbConfig config_;
  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace webmon::consumer
