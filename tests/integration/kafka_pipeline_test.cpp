// Producer and consumer halves against the development broker, checked with independent
// tools: kcat reads what really went over the wire; a second Kafka client reads the
// committed offsets; PostgreSQL rows are counted exactly.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <set>
#include <sstream>
#include <thread>

#include "common/kafka_client.h"
#include "common/probe_report.h"
#include "common/shutdown_signal.h"
#include "consumer/consumer_service.h"
#include "producer/kafka_publisher.h"
#include "tests/support/test_env.h"

namespace webmon {
namespace {

using namespace std::chrono_literals;

common::ProbeReport makeReport(const std::string& url) {
  common::ProbeReport report;
  report.id = common::newReportId();
  report.url = url;
  report.name = url;
  report.checked_at =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  report.ok = true;
  report.http_status = 200;
  report.response_time_ms = 1.5;
  report.producer_id = "test";
  return report;
}

common::KafkaConfig kafkaConfig(const std::string& topic) {
  common::KafkaConfig kafka;
  kafka.bootstrap_servers = {testing::brokerBootstrap()};
  kafka.topic = topic;
  kafka.client_id = "webmon-test";
  return kafka;
}

// Every message on the topic, read with kcat: "key<TAB>value" per line.
std::vector<std::pair<std::string, std::string>> readTopicWithKcat(const std::string& topic) {
  const auto result = testing::runCommand("kcat -C -b " + testing::brokerBootstrap() + " -t " +
                                          topic + " -o beginning -e -q -f '%k\\t%s\\n'");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::vector<std::pair<std::string, std::string>> messages;
  std::istringstream stream(result.output);
  for (std::string line; std::getline(stream, line);) {
    const auto tab = line.find('\t');
    if (tab != std::string::npos) messages.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  return messages;
}

void produceWithKcat(const std::string& topic, const std::vector<std::string>& lines) {
  const std::string path = "/tmp/" + testing::uniqueName("kcat_input");
  {
    std::ofstream file(path, std::ios::binary);
    for (const auto& line : lines) file << line << '\n';
  }
  const auto result = testing::runCommand("kcat -P -b " + testing::brokerBootstrap() + " -t " +
                                          topic + " -l " + path + " 2>&1");
  std::remove(path.c_str());
  ASSERT_EQ(result.exit_code, 0) << result.output;
}

// Sum over all partitions of the group's committed offsets, read by a separate client.
long long committedTotal(const std::string& topic, const std::string& group) {
  common::KafkaConfig kafka = kafkaConfig(topic);
  auto conf = common::makeKafkaConf(kafka, {{"group.id", group}});
  auto client = common::makeKafkaClient(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_topic_t* handle = rd_kafka_topic_new(client.get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  EXPECT_EQ(rd_kafka_metadata(client.get(), 0, handle, &metadata, 5000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  common::RdKafkaPartitionListPtr partitions{rd_kafka_topic_partition_list_new(8)};
  for (int i = 0; metadata && i < metadata->topics[0].partition_cnt; ++i) {
    rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(),
                                      metadata->topics[0].partitions[i].id);
  }
  if (metadata) rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_destroy(handle);
  EXPECT_EQ(rd_kafka_committed(client.get(), partitions.get(), 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  long long total = 0;
  for (int i = 0; i < partitions->cnt; ++i) {
    if (partitions->elems[i].offset > 0) total += partitions->elems[i].offset;
  }
  rd_kafka_consumer_close(client.get());
  return total;
}

long long count(const std::string& connection, const std::string& sql) {
  pqxx::connection c(connection);
  pqxx::nontransaction tx(c);
  return tx.exec(sql)[0][0].as<long long>();
}

TEST(KafkaPublisher, EveryQueuedReportArrivesOnTheTopicKeyedByUrl) {
  WEBMON_REQUIRE_TEST_ENV();
  const std::string topic = testing::uniqueName("publisher");
  producer::ReportQueue queue(1000);
  std::set<std::string> sent_ids;
  for (int i = 0; i < 300; ++i) {
    auto report = makeReport("http://127.0.0.1/" + std::to_string(i % 7));
    sent_ids.insert(report.id);
    queue.push({report.url, common::encodeReport(report)});
  }
  common::ProducerConfig config;
  config.shutdown_timeout = 10s;
  producer::KafkaPublisher publisher(kafkaConfig(topic), config, queue);
  std::atomic<bool> stop{false};
  std::uint64_t undelivered = 1;
  std::thread runner([&] { undelivered = publisher.run(stop); });
  for (int i = 0; i < 200 && publisher.delivered() < 300; ++i) std::this_thread::sleep_for(50ms);
  stop = true;
  runner.join();
  EXPECT_EQ(publisher.delivered(), 300u);
  EXPECT_EQ(undelivered, 0u);

  const auto messages = readTopicWithKcat(topic);
  ASSERT_EQ(messages.size(), 300u);
  std::set<std::string> received_ids;
  for (const auto& [key, value] : messages) {
    const auto decoded = common::decodeReport(value);
    ASSERT_TRUE(decoded.report) << decoded.rejection_reason;
    EXPECT_EQ(key, decoded.report->url);
    received_ids.insert(decoded.report->id);
  }
  EXPECT_EQ(received_ids, sent_ids);
}

class ConsumerServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WEBMON_REQUIRE_TEST_ENV();
    db_ = std::make_unique<testing::ScratchDatabase>();
  }

  common::Config config(const std::string& topic, const std::string& group) {
    common::Config c;
    c.kafka = kafkaConfig(topic);
    c.db = db_->config();
    c.consumer.group_id = group;
    c.consumer.batch_max_messages = 7;  // several batches, several commits
    c.consumer.batch_max_wait = 200ms;
    c.consumer.session_timeout = 6s;
    c.consumer.metrics_listen = "127.0.0.1:0";  // tests run side by side
    c.consumer.status_listen = "";
    return c;
  }

  // Runs a consumer until `done` holds (or `limit` passes), then stops it as SIGTERM would.
  consumer::ConsumerTotals runUntil(const common::Config& c, const std::function<bool()>& done,
                                    std::chrono::milliseconds limit = 30s) {
    common::ShutdownSignal shutdown;
    consumer::ConsumerService service(c, shutdown);
    consumer::ConsumerTotals totals;
    std::thread runner([&] { totals = service.run(); });
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < give_up && !done()) {
      std::this_thread::sleep_for(100ms);
    }
    shutdown.request();
    runner.join();
    return totals;
  }

  std::unique_ptr<testing::ScratchDatabase> db_;
};

// Good reports and junk interleaved: every good one becomes one row, every bad one a rejected
// row with its reason, the consumer never stops, and all offsets end up committed.
TEST_F(ConsumerServiceTest, StoresGoodReportsRejectsBadOnesAndCommitsEverything) {
  const std::string topic = testing::uniqueName("consumer");
  const std::string group = testing::uniqueName("group");
  std::vector<std::string> lines;
  std::set<std::string> good_ids;
  for (int i = 0; i < 40; ++i) {
    auto report = makeReport("http://127.0.0.1/" + std::to_string(i % 4));
    good_ids.insert(report.id);
    lines.push_back(common::encodeReport(report));
    if (i % 10 == 3) lines.push_back("this is not json");
    if (i % 10 == 6) lines.push_back("{\"id\": 12}");
  }
  lines.push_back("\xff\xfe invalid utf-8");
  produceWithKcat(topic, lines);
  const long long total = static_cast<long long>(lines.size());  // 49

  const auto connection = db_->connectionString();
  const auto totals = runUntil(config(topic, group), [&] {
    try {
      return count(connection, "SELECT count(*) FROM reports") +
                 count(connection, "SELECT count(*) FROM rejected_reports") >=
             total;
    } catch (const std::exception&) {
      return false;  // tables not created yet
    }
  });
  EXPECT_EQ(totals.inserted, 40u);
  EXPECT_EQ(totals.rejected, 9u);
  EXPECT_EQ(count(connection, "SELECT count(*) FROM reports"), 40);
  EXPECT_EQ(count(connection, "SELECT count(DISTINCT id) FROM reports"), 40);
  EXPECT_EQ(count(connection, "SELECT count(*) FROM rejected_reports"), 9);
  EXPECT_EQ(count(connection,
                  "SELECT count(*) FROM rejected_reports WHERE reason LIKE 'not valid JSON%'"),
            5);
  EXPECT_EQ(count(connection,
                  "SELECT count(*) FROM rejected_reports WHERE reason LIKE "
                  "'missing field \"schema_version\"'"),
            4);
  pqxx::connection c(connection);
  pqxx::nontransaction tx(c);
  std::set<std::string> stored_ids;
  for (const auto& row : tx.exec("SELECT id::text FROM reports")) {
    stored_ids.insert(row[0].as<std::string>());
  }
  EXPECT_EQ(stored_ids, good_ids);
  EXPECT_EQ(committedTotal(topic, group), total);
}

// Offsets are committed only for stored rows, so a restarted member of the same group finds
// nothing left to do; a brand-new group replays the topic and the id key absorbs it.
TEST_F(ConsumerServiceTest, ResumesFromCommittedOffsetsAndANewGroupFromStoredOnes) {
  const std::string topic = testing::uniqueName("replay");
  const std::string group = testing::uniqueName("group");
  std::vector<std::string> lines;
  for (int i = 0; i < 25; ++i) lines.push_back(common::encodeReport(makeReport("http://x/")));
  produceWithKcat(topic, lines);
  const auto connection = db_->connectionString();
  auto stored = [&] {
    try {
      return count(connection, "SELECT count(*) FROM reports") >= 25;
    } catch (const std::exception&) {
      return false;
    }
  };
  EXPECT_EQ(runUntil(config(topic, group), stored).inserted, 25u);

  // Long enough to join the group and fetch: anything uncommitted would be read by then.
  const auto again = runUntil(
      config(topic, group), [] { return false; }, 8s);
  EXPECT_EQ(again.inserted + again.duplicates, 0u) << "a committed offset was not honoured";

  // A new group has no committed offsets in Kafka, but the database has: it starts where
  // the rows end, so it reads nothing that is stored.
  const auto replay_group = testing::uniqueName("replay_group");
  const auto replay = runUntil(
      config(topic, replay_group), [] { return false; }, 8s);
  EXPECT_EQ(replay.inserted, 0u);
  EXPECT_EQ(replay.duplicates, 0u);
  EXPECT_EQ(replay.not_stored, 0u) << "the stored offsets were not where the new group started";
  EXPECT_EQ(count(connection, "SELECT count(*) FROM reports"), 25);
}

}  // namespace
}  // namespace webmon
