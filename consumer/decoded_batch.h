#pragma once
// A batch of Kafka messages sorted into valid reports and rejected messages.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/probe_report.h"

namespace webmon::consumer {

struct KafkaPosition {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

struct ConsumedMessage {
  KafkaPosition position;
  std::string payload;
};

struct ReportRecord {
  common::ProbeReport report;
  KafkaPosition position;
  std::string_view raw;  // the message bytes; points into the ConsumedMessage it came from
};

struct RejectedRecord {
  KafkaPosition position;
  std::string raw;
  std::string reason;
};

struct DecodedBatch {
  std::vector<ReportRecord> reports;
  std::vector<RejectedRecord> rejected;
};

/// Validates every message; none is dropped: each ends up in exactly one of the two lists.
/// The result points into `messages`, which must outlive it.
DecodedBatch decodeBatch(const std::vector<ConsumedMessage>& messages);

}  // namespace webmon::consumer
