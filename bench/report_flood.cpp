// Benchmark helper: fills the reports topic with N valid, distinct reports as fast as librdkafka
// will take them, so the consumer's ingest rate can be measured on a full topic without the
// producer's probing in the way. Not part of the product.
//
//   webmon-bench-flood --bootstrap HOST:PORT [--topic T] [--count N] [--urls U]

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include "common/kafka_client.h"
#include "common/probe_report.h"

namespace {

std::size_t failed_deliveries = 0;  // only touched inside rd_kafka_poll/flush, on this thread

void onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++failed_deliveries;
}

webmon::common::ProbeReport sampleReport(std::size_t i, std::size_t urls) {
  webmon::common::ProbeReport report;
  report.id = webmon::common::newReportId();
  report.url = "http://127.0.0.1:8080/bench/" + std::to_string(i % urls);
  report.name = "bench " + std::to_string(i % urls);
  report.checked_at =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  report.ok = i % 10 != 0;  // every tenth one failed, so both row shapes are written
  if (report.ok) {
    report.http_status = 200;
  } else {
    report.http_status = 503;
    report.error = webmon::common::ProbeError{webmon::common::ErrorKind::Http, "HTTP 503"};
  }
  report.response_time_ms = 1.0 + static_cast<double>(i % 97) / 10.0;
  report.producer_id = "bench-flood";
  return report;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap;
  std::string topic = "webmon.reports";
  std::size_t count = 100'000;
  std::size_t urls = 1'000;
  CLI::App app{"Fills a webmon reports topic with synthetic reports (benchmark helper)"};
  app.add_option("--bootstrap", bootstrap, "broker host:port")->required();
  app.add_option("--topic", topic, "topic to fill");
  app.add_option("--count", count, "reports to produce");
  app.add_option("--urls", urls, "distinct URLs (message keys)")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    webmon::common::KafkaConfig kafka;
    kafka.bootstrap_servers = {bootstrap};
    kafka.client_id = "webmon-bench-flood";
    auto conf = webmon::common::makeKafkaConf(kafka, {{"acks", "all"},
                                                      {"enable.idempotence", "true"},
                                                      {"linger.ms", "20"},
                                                      {"compression.codec", "lz4"},
                                                      {"queue.buffering.max.messages", "500000"}});
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &onDelivery);
    auto client = webmon::common::makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf));
    webmon::common::RdKafkaTopicPtr topic_handle{
        rd_kafka_topic_new(client.get(), topic.c_str(), nullptr)};
    if (!topic_handle) {
      std::fprintf(stderr, "cannot create topic handle: %s\n",
                   rd_kafka_err2str(rd_kafka_last_error()));
      return 1;
    }
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < count; ++i) {
      const auto report = sampleReport(i, urls);
      const std::string payload = webmon::common::encodeReport(report);
      for (;;) {
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (rd_kafka_produce(topic_handle.get(), RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                             const_cast<char*>(payload.data()), payload.size(), report.url.data(),
                             report.url.size(), nullptr) != 0) {
          err = rd_kafka_last_error();
        }
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          std::fprintf(stderr, "produce failed: %s\n", rd_kafka_err2str(err));
          return 1;
        }
        rd_kafka_poll(client.get(), 10);  // librdkafka's queue is full: let it send
      }
      rd_kafka_poll(client.get(), 0);
    }
    if (rd_kafka_flush(client.get(), 120'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "flush timed out with %d messages undelivered\n",
                   rd_kafka_outq_len(client.get()));
      return 1;
    }
    if (failed_deliveries > 0) {
      std::fprintf(stderr, "%zu reports were not delivered\n", failed_deliveries);
      return 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("produced=%zu seconds=%.2f per_s=%.0f\n", count, seconds,
                static_cast<double>(count) / seconds);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "webmon-bench-flood: %s\n", error.what());
    return 1;
  }
  return 0;
}
