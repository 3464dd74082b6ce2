// webmon-dev-broker: a DEVELOPMENT-ONLY Kafka broker for local runs and tests.
//
// It is librdkafka's mock cluster (rdkafka_mock.h) behind a small command line. It speaks the
// real Kafka protocol on 127.0.0.1, keeps messages in memory only, and loses everything when it
// exits. NEVER use it in production: point webmon at a real Kafka cluster there.
//
// Fault injection for tests:  SIGUSR1 takes every broker down (connections refused, the log is
// kept), SIGUSR2 brings them back up. SIGHUP makes the next Produce requests fail with the
// error codes given in --produce-errors, one per request, in order: answers a real broker gives
// only by accident (NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER), here on
// demand. SIGTERM / SIGINT exit.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
struct MockClusterDeleter {
  void operator()(rd_kafka_mock_cluster_t* cluster) const noexcept {
    rd_kafka_mock_cluster_destroy(cluster);
  }
};

void setAllBrokers(rd_kafka_mock_cluster_t* cluster, int brokers, bool up) {
  for (int id = 1; id <= brokers; ++id) {
    if (up) {
      rd_kafka_mock_broker_set_up(cluster, id);
    } else {
      rd_kafka_mock_broker_set_down(cluster, id);
    }
  }
  std::cerr << "webmon-dev-broker: all " << brokers << " broker(s) " << (up ? "UP" : "DOWN")
            << std::endl;
}

// Written to a temporary name and renamed, so a script polling for the file never reads half.
bool writeAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << text << '\n';
    if (!out) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

// "19,7,6" -> the Kafka error codes, or std::nullopt if any item is not a number.
std::optional<std::vector<rd_kafka_resp_err_t>> parseErrorCodes(const std::string& text) {
  std::vector<rd_kafka_resp_err_t> codes;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    codes.push_back(static_cast<rd_kafka_resp_err_t>(std::stoi(item)));
  }
  return codes;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 1;
  int partitions = 3;
  std::string topic = "webmon.reports";
  std::string bootstrap_file;
  std::string produce_errors;
  CLI::App app(
      "DEVELOPMENT-ONLY Kafka broker (librdkafka mock cluster, in memory, loopback). "
      "SIGUSR1: brokers down, SIGUSR2: brokers up, SIGHUP: the next Produce requests fail "
      "with --produce-errors.",
      "webmon-dev-broker");
  app.add_option("--brokers", brokers, "Number of brokers")->check(CLI::Range(1, 5));
  app.add_option("--partitions", partitions, "Partitions of the topic")->check(CLI::Range(1, 64));
  app.add_option("--topic", topic, "Topic to create");
  app.add_option("--bootstrap-file", bootstrap_file,
                 "Write the bootstrap address (host:port,...) to this file once ready");
  app.add_option("--produce-errors", produce_errors,
                 "Kafka error codes (e.g. 19,7,6) the next Produce requests get, one each, on "
                 "every SIGHUP");
  CLI11_PARSE(app, argc, argv);
  const auto injected = parseErrorCodes(produce_errors);
  if (!injected) {
    std::cerr << "webmon-dev-broker: --produce-errors must be numbers separated by commas\n";
    return 2;
  }

  // Block the control signals before librdkafka starts threads, so they all inherit the mask
  // and the signals are only ever taken by sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  for (int number : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP}) sigaddset(&signals, number);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error) != RD_KAFKA_CONF_OK) {
    std::cerr << "webmon-dev-broker: " << error << '\n';
    return 1;
  }
  // The mock cluster needs a client handle to live in; it is never used to produce.
  std::unique_ptr<rd_kafka_t, RdKafkaDeleter> handle(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error));
  if (!handle) {
    std::cerr << "webmon-dev-broker: cannot create the host client: " << error << '\n';
    return 1;
  }
  std::unique_ptr<rd_kafka_mock_cluster_t, MockClusterDeleter> cluster(
      rd_kafka_mock_cluster_new(handle.get(), brokers));
  if (!cluster) {
    std::cerr << "webmon-dev-broker: cannot start the mock cluster\n";
    return 1;
  }
  if (auto err = rd_kafka_mock_topic_create(cluster.get(), topic.c_str(), partitions, 1)) {
    std::cerr << "webmon-dev-broker: cannot create topic " << topic << ": " << rd_kafka_err2str(err)
              << '\n';
    return 1;
  }
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(cluster.get());
  std::cerr << "webmon-dev-broker: DEVELOPMENT BROKER, NOT FOR PRODUCTION (in memory only)\n"
            << "webmon-dev-broker: listening on " << bootstrap << ", topic " << topic << " ("
            << partitions << " partitions), pid " << getpid() << std::endl;
  std::cout << bootstrap << std::endl;
  if (!bootstrap_file.empty() && !writeAtomically(bootstrap_file, bootstrap)) {
    std::cerr << "webmon-dev-broker: cannot write " << bootstrap_file << '\n';
    return 1;
  }

  for (;;) {
    int number = 0;
    if (sigwait(&signals, &number) != 0) continue;
    if (number == SIGUSR1) {
      setAllBrokers(cluster.get(), brokers, false);
    } else if (number == SIGUSR2) {
      setAllBrokers(cluster.get(), brokers, true);
    } else if (number == SIGHUP) {
      constexpr std::int16_t kProduceApiKey = 0;
      rd_kafka_mock_push_request_errors_array(cluster.get(), kProduceApiKey, injected->size(),
                                              injected->data());
      std::cerr << "webmon-dev-broker: the next " << injected->size()
                << " Produce requests fail with " << produce_errors << std::endl;
    } else {
      std::cerr << "webmon-dev-broker: stopping (signal " << number << ")" << std::endl;
      break;
    }
  }
  if (!bootstrap_file.empty()) std::remove(bootstrap_file.c_str());
  return 0;
}
