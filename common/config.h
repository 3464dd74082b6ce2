#pragma once
// The configuration both services read from one JSON file, already validated.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/alerts_config.h"
#include "common/probe_enums.h"
#include "common/regexp.h"
#include "common/url_credentials.h"

namespace webmon::common {

using std::chrono::milliseconds;

/// How webmon creates the reports topic when it is missing (kafka.create_topic).
struct TopicSpec {
  int partitions = 6;
  int replication_factor = 3;
  /// Topic-level settings, e.g. min.insync.replicas; by default min.insync.replicas=2 when the
  /// replication factor is 3 or more, so an acknowledged report is on two brokers at least.
  std::map<std::string, std::string> config;
  bool operator==(const TopicSpec&) const = default;
};

struct KafkaConfig {
  std::vector<std::string> bootstrap_servers;  // "host:port" each
  std::string topic = "webmon.reports";
  std::string client_id = "webmon";
  std::string ssl_cafile;    // empty: not set
  std::string ssl_certfile;  // empty: not set
  std::string ssl_keyfile;   // empty: not set
  /// Any other librdkafka property, applied last so it can override our defaults.
  std::map<std::string, std::string> properties;
  /// Unset: a missing topic stops the service with the command that creates it.
  std::optional<TopicSpec> create_topic;

  std::string bootstrapList() const;  // "a:1,b:2", as librdkafka wants it
  bool operator==(const KafkaConfig&) const = default;
};

struct DbConfig {
  std::string dsn;  // when set, the other fields are ignored
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string db_name = "webmon";
  std::string user = "webmon";
  std::string password;
  std::string sslmode = "prefer";
  std::string sslrootcert;

  /// libpq connection string, password included: never log it, log describe() instead.
  std::string connectionString() const;
  /// Where we connect, with any password masked.
  std::string describe() const;
  bool operator==(const DbConfig&) const = default;
};

/// An accepted HTTP status range, both ends included.
struct StatusRange {
  int first = 200;
  int last = 399;
  bool contains(long status) const { return status >= first && status <= last; }
  bool operator==(const StatusRange&) const = default;
};

struct MonitoredUrl {
  ProbeType type = ProbeType::Http;
  // What names the target everywhere but in the probe itself (report url, default name, Kafka
  // key, rows, metrics, logs): the URL as written, with a password in it replaced by ***
  // (common/url_credentials.h).
  std::string url;
  // What an http probe requests: the URL as written without its user info, whose credentials
  // are then in basic_auth. Empty: `url` itself (it held no user info).
  std::string fetch_url;
  // Sent with every http request: from the URL's user info, or from the basic_auth key.
  std::optional<BasicAuth> basic_auth;
  bool password_in_url = false;  // the config file itself holds that password (a warning)
  // Derived from `url` by the config reader (probeEndpoint): what a probe connects to, a name
  // or an address (IPv6 in brackets), and the port, the scheme's default when the URL has
  // none. Empty and 0 for dns probes.
  std::string host;
  int port = 0;
  std::string name;   // defaults to the url
  std::string group;  // the status page's heading it is listed under; empty: "Other"
  milliseconds timeout{10'000};
  milliseconds period{60'000};
  bool follow_redirects = false;
  int max_redirects = 5;
  std::string ca_file;             // PEM bundle to verify https targets with; empty: the system's
  milliseconds degraded_after{0};  // a successful probe slower than this is "degraded"; 0: off
  // What makes a response a success (see README "HTTP checks").
  std::vector<StatusRange> expected_status;  // empty: 200-399
  std::optional<Regexp> regexp;              // must occur in the first max_body_bytes (http),
                                             // or in what a tcp/tls server sends back
  std::size_t max_body_bytes = 65'536;       // how much of the body is read for `regexp`
  // What the probe sends.
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string send;  // tcp and tls probes: sent once connected (a request, a greeting)
  bool verify_tls = true;
  // A certificate that expires in fewer days than this makes the probe degraded (or down,
  // with expiring_cert_is_down). 0: off. For https and tls probes.
  int min_cert_days = 0;
  bool expiring_cert_is_down = false;
  // dns probes: which record, an answer that must be among those returned (empty: any
  // answer will do), and the server to ask ("ip" or "ip:port"; empty: /etc/resolv.conf's).
  DnsRecord dns_record = DnsRecord::A;
  std::string dns_expect;
  std::string dns_server;
  // Several attempts per period, `attempt_spacing` apart (from the end of one to the start of
  // the next); one report per period covers them all (README "Attempts").
  int attempts = 1;
  milliseconds attempt_spacing{1'000};
  UrlAlerts alerts;  // the consumer's business: whom its incidents notify
  // Where the entry came from, as reports and rows name it: "config" (monitored_urls) or
  // "file:NAME" (a file in targets_dir).
  std::string source = "config";
  bool operator==(const MonitoredUrl&) const = default;
};

struct LoggingConfig {
  std::string level = "info";
  std::string file;  // empty: console (stderr). "{service}" is replaced by the service name.
  std::size_t max_file_size_bytes = 10 * 1024 * 1024;
  std::size_t max_files = 5;
  bool json = false;  // one JSON object per line, for log shippers
  bool operator==(const LoggingConfig&) const = default;
};

struct ProducerConfig {
  std::string producer_id;  // defaults to the host name
  // Where this producer probes from ("eu-west"), carried in every report and row; empty: not
  // said (the rows' region is NULL).
  std::string region;
  // Shared targets: producers with the same group (in the same region) share monitored_urls,
  // each URL probed by one of them, as a Kafka consumer group on `group_topic` assigns its
  // partitions (producer/target_group.h). Empty: this producer probes every URL.
  std::string group;
  std::string group_topic = "webmon.coordination";
  int group_partitions = 60;  // when webmon creates group_topic: at most this many members
  milliseconds group_session_timeout{10'000};  // a member silent this long loses its URLs
  std::size_t queue_limit = 100'000;           // reports buffered while Kafka cannot take them
  std::size_t max_concurrent_probes = 2'000;
  milliseconds delivery_timeout{30'000};  // librdkafka message.timeout.ms; then we requeue
  milliseconds shutdown_timeout{10'000};  // how long SIGTERM may spend flushing to Kafka
  milliseconds stats_interval{60'000};    // how often the "stats" log line is written
  bool watch_config = true;  // reload monitored_urls when the file changes (SIGHUP always does)
  // Keep the addresses of probed host names for their DNS TTL (false: every probe resolves).
  bool dns_cache = true;
  std::string metrics_listen = "127.0.0.1:9101";  // /metrics and /healthz; empty: off
  milliseconds health_grace{30'000};  // how long Kafka may be unreachable before /healthz fails
  bool operator==(const ProducerConfig&) const = default;
};

struct ConsumerConfig {
  std::string group_id = "webmon-consumer";
  std::size_t batch_max_messages = 5'000;  // the bench's best ingest rate (docs/benchmarks.md)
  milliseconds batch_max_wait{500};
  milliseconds session_timeout{10'000};
  milliseconds stats_interval{60'000};            // how often the "stats" log line is written
  std::string metrics_listen = "127.0.0.1:9102";  // /metrics and /healthz; empty: off
  // The status API, page and badges (consumer/status/): for people and scripts, apart from
  // the internal /metrics. Empty: off.
  std::string status_listen = "127.0.0.1:8080";
  milliseconds health_grace{30'000};  // how long PostgreSQL may fail before /healthz fails
  bool operator==(const ConsumerConfig&) const = default;
};

/// How long history is kept, in days; 0: for ever. The consumer drops what is older every
/// hour: whole days of raw reports (their partitions), and rollup rows.
struct RetentionConfig {
  int reports_days = 30;  // reports: raw rows, the detail of every probe
  int hourly_days = 90;   // reports_hourly
  int daily_days = 0;     // reports_daily
  bool operator==(const RetentionConfig&) const = default;
};

struct Config {
  KafkaConfig kafka;
  DbConfig db;
  RetentionConfig retention;
  AlertsConfig alerts;
  std::vector<MonitoredUrl> monitored_urls;  // monitored_urls, then the target files' URLs
  // The directory of target files (targets_dir) as found, absolute; empty: none.
  std::string targets_dir;
  LoggingConfig logging;
  ProducerConfig producer;
  ConsumerConfig consumer;
};

/// Looks up an environment variable; injectable so tests do not touch the real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup processEnvironment();

/// Parses and validates a configuration. Throws ConfigError listing every problem found.
/// Secrets may come from the environment instead of the file:
/// WEBMON_DB_PASSWORD, WEBMON_DB_DSN, WEBMON_KAFKA_SASL_PASSWORD, WEBMON_KAFKA_SSL_KEY_PASSWORD;
/// WEBMON_KAFKA_BOOTSTRAP_SERVERS overrides the broker list (handy for throwaway brokers).
/// `config_dir`: what a relative targets_dir is relative to (the config file's directory).
Config parseConfig(std::string_view json_text, const EnvLookup& env,
                   const std::string& config_dir = ".");
/// Reads `path` and parses it; a file that cannot be read is a ConfigError too.
Config loadConfigFile(const std::string& path, const EnvLookup& env);

/// Replaces the password in a libpq key=value string or URI with "***".
std::string maskPassword(std::string_view connection_string);

}  // namespace webmon::common
