// CurlProber against local HTTP targets: statuses, failures, the timeout as a hard cap, and
// a fresh connection for every probe.

#include "producer/curl_prober.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "common/config.h"
#include "common/probe_report.h"
#include "producer/report_builder.h"
#include "tests/support/hostile_server.h"
#include "tests/support/run_probes.h"

namespace webmon::producer {
namespace {

using std::chrono::milliseconds;

// A socket listening on 127.0.0.1 on a free port that nothing accepts from; `address` gets
// where it listens.
int listenOnLoopback(int backlog, sockaddr_in& address) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  address = sockaddr_in{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  listen(fd, backlog);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return fd;
}

class LocalTargets {
 public:
  LocalTargets() {
    server_.Get("/ok", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      client_ports_.insert(request.remote_port);
      response.set_content("ok", "text/plain");
    });
    server_.Get("/fail", [](const httplib::Request&, httplib::Response& response) {
      response.status = 500;
    });
    server_.Get("/moved", [](const httplib::Request&, httplib::Response& response) {
      response.set_redirect("/ok");
    });
    server_.Get("/page", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(std::string(10'000, 'x') + " status: all systems operational",
                           "text/html");
    });
    // HTTP basic authentication, as ops / "p@ss w0rd:x" (characters a URL must encode).
    server_.Get("/private", [](const httplib::Request& request, httplib::Response& response) {
      const auto wanted = httplib::make_basic_authentication_header("ops", "p@ss w0rd:x").second;
      if (request.get_header_value("Authorization") != wanted) {
        response.status = 401;
        response.set_header("WWW-Authenticate", "Basic realm=\"test\"");
      }
    });
    // Says what it received, for the method/headers/body settings.
    server_.Post("/echo", [](const httplib::Request& request, httplib::Response& response) {
      response.set_content("POST " + request.get_header_value("X-Probe") + " " + request.body,
                           "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    // A port that accepts connections (kernel backlog) but never answers.
    sockaddr_in address{};
    silent_fd_ = listenOnLoopback(16, address);
    silent_port_ = ntohs(address.sin_port);
  }
  ~LocalTargets() {
    server_.stop();
    thread_.join();
    close(silent_fd_);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string silentUrl() const { return "http://127.0.0.1:" + std::to_string(silent_port_) + "/"; }
  std::size_t distinctClientPorts() {
    std::lock_guard lock(mutex_);
    return client_ports_.size();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  int silent_fd_ = -1;
  int silent_port_ = 0;
  std::mutex mutex_;
  std::set<int> client_ports_;
};

common::MonitoredUrl target(const std::string& url, milliseconds timeout = milliseconds(2000)) {
  common::MonitoredUrl m;
  m.url = url;
  m.name = url;
  m.timeout = timeout;
  m.period = timeout * 2;
  return m;
}

using testing::probeAll;

TEST(CurlProber, ReportsStatusesAndFailureKinds) {
  LocalTargets targets;
  const auto reports =
      probeAll({target(targets.url("/ok")), target(targets.url("/fail")),
                target("http://127.0.0.1:1/"), target(targets.silentUrl(), milliseconds(500))});
  EXPECT_TRUE(reports[0].ok);
  EXPECT_EQ(reports[0].http_status, 200);
  EXPECT_FALSE(reports[1].ok);
  EXPECT_EQ(reports[1].http_status, 500);
  EXPECT_EQ(reports[1].error->kind, common::ErrorKind::Http);
  ASSERT_TRUE(reports[2].error);
  EXPECT_EQ(reports[2].error->kind, common::ErrorKind::Connect);
  ASSERT_TRUE(reports[3].error);
  EXPECT_EQ(reports[3].error->kind, common::ErrorKind::Timeout);
}

// The timeout caps the whole probe even when the server accepts and then says nothing.
TEST(CurlProber, TimeoutIsAHardCapOnTheProbe) {
  LocalTargets targets;
  const auto reports = probeAll({target(targets.silentUrl(), milliseconds(300))});
  ASSERT_TRUE(reports[0].error);
  EXPECT_EQ(reports[0].error->kind, common::ErrorKind::Timeout);
  EXPECT_GE(reports[0].response_time_ms, 290.0);
  EXPECT_LT(reports[0].response_time_ms, 1300.0);
}

TEST(CurlProber, EveryProbeOpensItsOwnConnection) {
  LocalTargets targets;
  CurlProber prober("webmon-test");
  const auto ok = std::make_shared<const common::MonitoredUrl>(target(targets.url("/ok")));
  std::vector<ProbeResult> finished;
  for (int i = 0; i < 3; ++i) {  // one after another: a pooled connection would be reused
    prober.start(0, ok, ProbeScheduler::Clock::now());
    while (prober.inFlight() > 0) prober.poll(milliseconds(100), {}, finished);
  }
  ASSERT_EQ(finished.size(), 3u);
  EXPECT_EQ(targets.distinctClientPorts(), 3u);
}

TEST(CurlProber, RegexpIsSearchedInABoundedPrefixOfTheBody) {
  LocalTargets targets;
  testing::HostileServer hostile;
  auto found = target(targets.url("/page"));
  found.regexp = std::get<common::Regexp>(common::Regexp::compile("all systems (operational|go)"));
  auto missing = found;
  missing.regexp = std::get<common::Regexp>(common::Regexp::compile("maintenance"));
  auto beyond_limit = found;  // the marker sits after byte 10,000
  beyond_limit.max_body_bytes = 4096;
  // An endless body: only the first 1,000 bytes are read, and the probe ends at once.
  auto endless =
      target("http://127.0.0.1:" + std::to_string(hostile.port()) + "/endless", milliseconds(1500));
  endless.regexp = std::get<common::Regexp>(common::Regexp::compile("."));
  endless.max_body_bytes = 1000;
  const auto reports = probeAll({found, missing, beyond_limit, endless});

  EXPECT_TRUE(reports[0].ok);
  EXPECT_EQ(reports[0].regexp, "all systems (operational|go)");
  EXPECT_EQ(reports[0].regexp_found, true);
  EXPECT_EQ(reports[0].body_truncated, false);

  EXPECT_FALSE(reports[1].ok);
  EXPECT_EQ(reports[1].regexp_found, false);
  ASSERT_TRUE(reports[1].error);
  EXPECT_EQ(reports[1].error->kind, common::ErrorKind::Regexp);
  EXPECT_EQ(reports[1].http_status, 200);

  EXPECT_FALSE(reports[2].ok);
  EXPECT_EQ(reports[2].regexp_found, false);
  EXPECT_EQ(reports[2].body_truncated, true);
  EXPECT_NE(reports[2].error->message.find("first 4096 bytes"), std::string::npos)
      << reports[2].error->message;

  EXPECT_TRUE(reports[3].ok) << (reports[3].error ? reports[3].error->message : "");
  EXPECT_EQ(reports[3].body_truncated, true);
  EXPECT_LT(reports[3].response_time_ms, 1000.0);  // stopped reading, did not wait for the timeout
}

TEST(CurlProber, SendsTheConfiguredMethodHeadersAndBody) {
  LocalTargets targets;
  auto post = target(targets.url("/echo"));
  post.method = "POST";
  post.headers = {{"X-Probe", "webmon-42"}};
  post.body = "ping";
  post.regexp = std::get<common::Regexp>(common::Regexp::compile("^POST webmon-42 ping$"));
  auto wrong_method = target(targets.url("/echo"));  // GET on a POST-only route
  wrong_method.expected_status = {{404, 405}};       // what this server answers, and expected here
  const auto reports = probeAll({post, wrong_method});
  EXPECT_TRUE(reports[0].ok) << (reports[0].error ? reports[0].error->message : "");
  EXPECT_EQ(reports[0].regexp_found, true);
  EXPECT_TRUE(reports[1].ok) << (reports[1].error ? reports[1].error->message : "");
  EXPECT_GE(*reports[1].http_status, 404);
}

// Credentials from the URL or from basic_auth reach the server; the report names the URL with
// the password masked, and nothing of the report holds the password.
TEST(CurlProber, SendsBasicAuthFromTheUrlOrTheBasicAuthKeyAndReportsNoPassword) {
  LocalTargets targets;
  const std::string password = "p@ss w0rd:x";
  const auto port = targets.url("").substr(std::string("http://127.0.0.1:").size());
  ::setenv("WEBMON_TEST_TARGET_PASSWORD", password.c_str(), 1);
  const auto config = common::parseConfig(
      R"({"kafka": {"bootstrap_servers": ["127.0.0.1:9092"]}, "monitored_urls": [
        {"url": "http://ops:p%40ss%20w0rd%3Ax@127.0.0.1:)" +
          port + R"(/private"},
        {"url": "http://127.0.0.1:)" +
          port + R"(/private", "basic_auth": {"user": "ops",
         "password_env": "WEBMON_TEST_TARGET_PASSWORD"}},
        {"url": "http://127.0.0.1:)" +
          port + R"(/private?without"},
        {"url": "http://ops:wrong@127.0.0.1:)" +
          port + R"(/private?wrong"}]})",
      common::processEnvironment());
  ::unsetenv("WEBMON_TEST_TARGET_PASSWORD");
  const auto reports = probeAll(config.monitored_urls);
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_TRUE(reports[0].ok) << (reports[0].error ? reports[0].error->message : "");
  EXPECT_TRUE(reports[1].ok) << (reports[1].error ? reports[1].error->message : "");
  EXPECT_EQ(reports[2].http_status, 401);
  EXPECT_EQ(reports[3].http_status, 401);
  EXPECT_EQ(reports[0].url, "http://ops:***@127.0.0.1:" + port + "/private");
  EXPECT_EQ(reports[0].name, reports[0].url);
  for (const auto& report : reports) {
    const auto encoded = common::encodeReport(report);
    EXPECT_EQ(encoded.find("p%40ss"), std::string::npos) << encoded;
    EXPECT_EQ(encoded.find("w0rd"), std::string::npos) << encoded;
    EXPECT_EQ(encoded.find("ops:wrong"), std::string::npos) << encoded;
  }
}

// An option libcurl refuses (here a method over its 8 MB string limit; in the field, a
// libcurl built without a feature) fails that probe at once, with the option named, and the
// probes beside it run as usual.
TEST(CurlProber, AnOptionLibcurlRefusesFailsTheProbeAndNamesIt) {
  LocalTargets targets;
  auto refused = target(targets.url("/echo"));
  refused.method = std::string(9'000'000, 'X');
  const auto reports = probeAll({refused, target(targets.url("/ok"))});
  ASSERT_TRUE(reports[0].error);
  EXPECT_EQ(reports[0].error->kind, common::ErrorKind::Other);
  EXPECT_NE(reports[0].error->message.find("libcurl refused option CURLOPT_CUSTOMREQUEST"),
            std::string::npos)
      << reports[0].error->message;
  EXPECT_TRUE(reports[1].ok);
}

TEST(CurlProber, TcpProbesConnectAndNothingMore) {
  LocalTargets targets;
  auto open_port = target("tcp://127.0.0.1:" + targets.url("").substr(17));
  open_port.type = common::ProbeType::Tcp;
  auto closed_port = target("tcp://127.0.0.1:1");
  closed_port.type = common::ProbeType::Tcp;
  const auto reports = probeAll({open_port, closed_port});
  EXPECT_TRUE(reports[0].ok) << (reports[0].error ? reports[0].error->message : "");
  EXPECT_EQ(reports[0].type, "tcp");
  EXPECT_FALSE(reports[0].http_status);  // no request was sent
  EXPECT_TRUE(reports[0].timings.connect_ms);
  EXPECT_FALSE(reports[0].timings.ttfb_ms);
  EXPECT_FALSE(reports[1].ok);
  EXPECT_EQ(reports[1].error->kind, common::ErrorKind::Connect);
}

// A TCP service on loopback that runs `talk` on each accepted connection (one thread each).
class TcpService {
 public:
  explicit TcpService(std::function<void(int fd)> talk) : talk_(std::move(talk)) {
    sockaddr_in address{};
    listener_ = listenOnLoopback(16, address);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        const int fd = accept(listener_, nullptr, nullptr);
        if (fd < 0) return;  // the listener was shut down
        std::lock_guard lock(mutex_);
        sessions_.emplace_back([this, fd] {
          talk_(fd);
          close(fd);
        });
      }
    });
  }
  ~TcpService() {
    shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    close(listener_);
    for (auto& session : sessions_) session.join();
  }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  std::function<void(int)> talk_;
  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> sessions_;
};

void say(int fd, const std::string& text) { send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

// Reads until `line` has arrived (or the peer closed); returns what was read.
std::string hear(int fd, const std::string& line) {
  std::string heard;
  char buffer[256];
  while (heard.find(line) == std::string::npos) {
    const auto n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    heard.append(buffer, static_cast<std::size_t>(n));
  }
  return heard;
}

common::MonitoredUrl exchange(const std::string& url, const std::string& send_text,
                              const char* regexp, milliseconds timeout = milliseconds(2000)) {
  auto probe = target(url, timeout);
  probe.type = common::ProbeType::Tcp;
  probe.send = send_text;
  if (regexp != nullptr) probe.regexp = std::get<common::Regexp>(common::Regexp::compile(regexp));
  return probe;
}

TEST(CurlProber, TcpProbesSendTheirPayloadAndLookForTheRegexpInTheReply) {
  // A line protocol: a greeting, then PING is answered with +PONG.
  std::atomic<int> pings{0};
  TcpService service([&](int fd) {
    say(fd, "220 webmon-test ready\r\n");
    if (hear(fd, "PING\r\n").find("PING\r\n") != std::string::npos) {
      ++pings;
      std::this_thread::sleep_for(milliseconds(30));  // a measurable time to first byte
      say(fd, "+PONG\r\n");
    }
    hear(fd, "\n\n");  // until the probe hangs up
  });
  const auto reports = probeAll({exchange(service.url(), "PING\r\n", "\\+PONG"),
                                 exchange(service.url(), "", "^220 "),
                                 exchange(service.url(), "PING\r\n", "^250 ok", milliseconds(500)),
                                 exchange(service.url(), "QUIT\r\n", nullptr)});
  EXPECT_TRUE(reports[0].ok) << (reports[0].error ? reports[0].error->message : "");
  EXPECT_EQ(reports[0].regexp, "\\+PONG");
  EXPECT_EQ(reports[0].regexp_found, true);
  EXPECT_EQ(reports[0].body_truncated, false);
  EXPECT_TRUE(reports[0].timings.connect_ms);
  ASSERT_TRUE(reports[0].timings.ttfb_ms);  // the greeting's arrival
  EXPECT_GE(reports[0].response_time_ms, 30.0);
  EXPECT_TRUE(reports[1].ok) << "the greeting alone matches ^220";
  // The reply never matches: the probe waits for more until the server... does not close,
  // so the timeout ends it, and says so.
  ASSERT_TRUE(reports[2].error);
  EXPECT_EQ(reports[2].error->kind, common::ErrorKind::Timeout) << reports[2].error->message;
  EXPECT_EQ(reports[2].regexp_found, false);
  EXPECT_THAT(reports[2].error->message, ::testing::HasSubstr("timed out waiting for the regexp"));
  EXPECT_TRUE(reports[3].ok) << "send without regexp: connected and said it";
  EXPECT_EQ(pings.load(), 2);
}

TEST(CurlProber, TcpRepliesAreReadOnlyUpToMaxBodyBytesAndAClosedConnectionIsJudged) {
  TcpService flood([](int fd) {
    const std::string chunk(64 * 1024, 'x');
    for (int i = 0; i < 16; ++i) say(fd, chunk);  // 1 MiB, unless the probe hangs up first
  });
  TcpService brief([](int fd) { say(fd, "500 go away\r\n"); });  // then closes
  auto capped = exchange(flood.url(), "", "PONG");
  capped.max_body_bytes = 1000;
  const auto reports = probeAll({capped, exchange(brief.url(), "", "^220")});
  ASSERT_TRUE(reports[0].error);
  EXPECT_EQ(reports[0].error->kind, common::ErrorKind::Regexp);
  EXPECT_EQ(reports[0].body_truncated, true);
  EXPECT_EQ(reports[0].error->message,
            "regexp not found in the 1000 bytes the server sent before max_body_bytes");
  ASSERT_TRUE(reports[1].error);
  EXPECT_EQ(reports[1].error->kind, common::ErrorKind::Regexp);
  EXPECT_EQ(reports[1].error->message,
            "regexp not found in the 13 bytes the server sent before it closed");
  EXPECT_EQ(reports[1].regexp_found, false);
}

// A port whose accept queue is full: Linux drops further SYNs, so a connect gets no answer at
// all, as from a host that is down or behind a dropping firewall (on loopback, no traffic
// leaves the machine).
class UnansweredPort {
 public:
  UnansweredPort() {
    sockaddr_in address{};
    listener_ = listenOnLoopback(0, address);
    port_ = ntohs(address.sin_port);
    for (int i = 0; i < 4; ++i) {  // fill the queue; never accepted
      const int client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address);
      fillers_.push_back(client);
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  ~UnansweredPort() {
    for (int fd : fillers_) close(fd);
    close(listener_);
  }
  int port() const { return port_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

TEST(CurlProber, NoAnswerToTheConnectIsAConnectTimeoutAndARefusalIsNot) {
  UnansweredPort unanswered;
  LocalTargets targets;
  const auto reports = probeAll(
      {target("http://127.0.0.1:" + std::to_string(unanswered.port()) + "/", milliseconds(500)),
       target("http://127.0.0.1:1/", milliseconds(500)),
       target(targets.silentUrl(), milliseconds(500))});
  ASSERT_TRUE(reports[0].error);
  EXPECT_EQ(reports[0].error->kind, common::ErrorKind::ConnectTimeout) << reports[0].error->message;
  EXPECT_FALSE(reports[0].timings.connect_ms);
  EXPECT_EQ(reports[1].error->kind, common::ErrorKind::Connect);  // refused: the host answered
  EXPECT_EQ(reports[2].error->kind, common::ErrorKind::Timeout);  // connected, then silence
  EXPECT_TRUE(reports[2].timings.connect_ms);
}

TEST(CurlProber, FollowsRedirectsOnlyWhenConfigured) {
  LocalTargets targets;
  auto no_follow = target(targets.url("/moved"));
  auto follow = no_follow;
  follow.follow_redirects = true;
  const auto reports = probeAll({no_follow, follow});
  EXPECT_EQ(reports[0].http_status, 302);
  EXPECT_TRUE(reports[0].ok);  // 3xx counts as up
  EXPECT_EQ(reports[1].http_status, 200);
}

}  // namespace
}  // namespace webmon::producer

namespace webmon::producer {
namespace {

// Badly behaved servers: every probe must end within its timeout (plus scheduling slack), with
// the error kind that names what went wrong, and without keeping the body.
TEST(CurlProberAgainstHostileServers, EveryProbeEndsInTimeWithTheRightKind) {
  testing::HostileServer hostile;
  const auto base = "http://127.0.0.1:" + std::to_string(hostile.port());
  struct Case {
    std::string path;
    bool follow_redirects;
    std::optional<common::ErrorKind> kind;  // nullopt: the probe succeeds
  };
  const std::vector<Case> cases = {
      {"/silent", false, common::ErrorKind::Timeout},
      {"/drip-headers", false, common::ErrorKind::Timeout},
      {"/endless", false, common::ErrorKind::Timeout},
      // 100 MB arrive within the timeout on loopback: up, and the body is discarded as it comes
      // (the soak test checks memory stays flat).
      {"/huge", false, std::nullopt},
      {"/close-mid", false, common::ErrorKind::Protocol},
      {"/redirect-loop", true, common::ErrorKind::TooManyRedirects},
  };
  std::vector<common::MonitoredUrl> urls;
  for (const auto& c : cases) {
    auto url = target(base + c.path, milliseconds(1500));
    url.follow_redirects = c.follow_redirects;
    url.max_redirects = 3;
    urls.push_back(url);
  }
  const auto started = std::chrono::steady_clock::now();
  const auto reports = probeAll(urls);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_LT(elapsed, std::chrono::milliseconds(3000)) << "probes run concurrently, each capped";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].path);
    if (!cases[i].kind) {
      EXPECT_TRUE(reports[i].ok) << (reports[i].error ? reports[i].error->message : "");
      continue;
    }
    ASSERT_TRUE(reports[i].error);
    EXPECT_FALSE(reports[i].ok);
    EXPECT_EQ(reports[i].error->kind, *cases[i].kind) << reports[i].error->message;
    EXPECT_LT(reports[i].response_time_ms, 2500.0);
  }
}

}  // namespace
}  // namespace webmon::producer
