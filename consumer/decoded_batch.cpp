#include "consumer/decoded_batch.h"

namespace webmon::consumer {

DecodedBatch decodeBatch(const std::vector<ConsumedMessage>& messages) {
  DecodedBatch batch;
  batch.reports.reserve(messages.size());
  for (const auto& message : messages) {
    if (message.payload.empty()) {
      batch.rejected.push_back({message.position, message.payload, "empty message"});
      continue;
    }
    auto decoded = common::decodeReport(message.payload);
    if (decoded.report) {
      batch.reports.push_back({std::move(*decoded.report), message.position, message.payload});
    } else {
      batch.rejected.push_back({message.position, message.payload, decoded.rejection_reason});
    }
  }
  return batch;
}

}  // namespace webmon::consumer
