#pragma once
// What storing one batch gave, and the error that says nothing of it was stored.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "consumer/decoded_batch.h"

namespace webmon::consumer {

/// A partition of a batch that did not start at the offset the database has stored as next
/// for it: another consumer (or an earlier attempt of this one) stored that range already, or
/// the batch skips messages. None of that partition's messages were written.
struct OffsetMismatch {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t stored_next = 0;  // where the database says the partition goes on
  std::int64_t batch_first = 0;  // where the batch started
};

struct WriteResult {
  std::size_t inserted = 0;    // new report rows
  std::size_t duplicates = 0;  // the same report again (a redelivery): nothing to do
  std::size_t rejected = 0;    // rejected messages stored (new ones only), id clashes included
  /// Reports PostgreSQL itself refused (a constraint, a value or a limit the decoder does not
  /// know), set aside in rejected_reports with its message. They count in `rejected` when new.
  std::vector<RejectedRecord> refused;
  /// Partitions not written because their first offset did not match the stored one.
  std::vector<OffsetMismatch> mismatched;
  std::size_t not_stored = 0;  // messages of those partitions
};

/// The batch was not written; nothing of it is in the database. Safe to retry.
class WriteFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace webmon::consumer
