#pragma once
// The consumer's main loop: read a batch, write it to PostgreSQL in one transaction, and only
// then commit its offsets. Retries the same batch with back-off while the database is down.

#include <cstdint>

#include "common/config.h"
#include "common/shutdown_signal.h"

namespace webmon::consumer {

struct ConsumerTotals {
  std::uint64_t batches = 0;
  std::uint64_t inserted = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t rejected = 0;
  std::uint64_t failed_attempts = 0;  // transactions that failed and were retried
};

class ConsumerService {
 public:
  ConsumerService(common::Config config, common::ShutdownSignal& shutdown);
  ConsumerTotals run();

 private:
  common::Config config_;
  common::ShutdownSignal& shutdown_;
};

}  // namespace webmon::consumer
