#pragma once
// Doing what a rebalance callback was told, for both protocols. librdkafka 2.0.2: with a
// rebalance callback the application assigns. The eager protocols (range, roundrobin: the
// default) hand over the whole assignment each time, the cooperative one (cooperative-sticky)
// only what changes, and each has its own assign call.

#include <librdkafka/rdkafka.h>

#include <string>

namespace webmon::common {

/// Assigns (`event` is RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) or unassigns (revoked, or lost)
/// `partitions`. Returns why librdkafka refused, empty when it did not.
std::string assignAsTold(rd_kafka_t* client, rd_kafka_resp_err_t event,
                         rd_kafka_topic_partition_list_t* partitions);

/// Whether the group uses the cooperative protocol (incremental assignments).
bool cooperativeRebalancing(rd_kafka_t* client);

}  // namespace webmon::common
