#pragma once
// What storing one batch gave, and the error that says nothing of it was stored.

#include <cstddef>
#include <stdexcept>
#include <vector>

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

}  // namespace webmon::consumer
