#include "common/kafka_rebalance.h"

#include <string_view>

namespace webmon::common {
namespace {

std::string takeMessage(rd_kafka_error_t* error) {
  if (error == nullptr) return {};
  std::string message = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return message;
}

}  // namespace

bool cooperativeRebalancing(rd_kafka_t* client) {
  return std::string_view(rd_kafka_rebalance_protocol(client)) == "COOPERATIVE";
}

std::string assignAsTold(rd_kafka_t* client, rd_kafka_resp_err_t event,
                         rd_kafka_topic_partition_list_t* partitions) {
  const bool assign = event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  if (cooperativeRebalancing(client)) {
    return takeMessage(assign ? rd_kafka_incremental_assign(client, partitions)
                              : rd_kafka_incremental_unassign(client, partitions));
  }
  const auto failed = rd_kafka_assign(client, assign ? partitions : nullptr);
  return failed == RD_KAFKA_RESP_ERR_NO_ERROR ? std::string() : rd_kafka_err2str(failed);
}

}  // namespace webmon::common
