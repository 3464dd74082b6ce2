// Host names of http, tcp and tls probes, resolved by the producer (HostResolver, c-ares on
// the probe loop) against a dnsmasq the test starts on 127.0.0.1: answers and their TTL, one
// lookup shared by the probes that wait for it, each way a lookup fails, a server that never
// answers, thousands of names at once; and probes by name through ProbeRunner: libcurl
// connects to the resolved addresses (the next one when the first refuses) with the URL's
// host kept, and the report says whether the answer was cached.

#include "producer/host_resolver.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "producer/probe_runner.h"
#include "producer/report_builder.h"
#include "tests/support/local_dns_server.h"

namespace webmon::producer {
namespace {

using std::chrono::milliseconds;
using testing::boundUdpSocket;
using testing::FailingDnsServer;
using testing::LocalDnsServer;
using Status = HostResolver::Status;
using Clock = HostResolver::Clock;

HostResolver::Options askingOnly(const std::string& server, bool cache = true) {
  HostResolver::Options options;
  options.servers = server;
  options.cache = cache;
  return options;
}

// Runs the resolver until every ticket in `tickets` has its answer (or 5 s passed).
std::map<HostResolver::Ticket, HostResolver::Answer> answersFor(
    HostResolver& resolver, const std::vector<HostResolver::Ticket>& tickets) {
  std::map<HostResolver::Ticket, HostResolver::Answer> answers;
  std::vector<std::pair<HostResolver::Ticket, HostResolver::Answer>> done;
  std::vector<WaitFd> waits;
  const auto give_up = Clock::now() + std::chrono::seconds(5);
  while (answers.size() < tickets.size() && Clock::now() < give_up) {
    waits.clear();
    resolver.addWaits(waits);
    std::vector<pollfd> fds;
    for (const auto& wait : waits) {
      fds.push_back(pollfd{
          wait.fd,
          static_cast<short>((wait.want_read ? POLLIN : 0) | (wait.want_write ? POLLOUT : 0)), 0});
    }
    ::poll(fds.data(), fds.size(), static_cast<int>(resolver.nextWake(milliseconds(100)).count()));
    for (std::size_t i = 0; i < fds.size(); ++i) {
      waits[i].ready_read = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
      waits[i].ready_write = (fds[i].revents & POLLOUT) != 0;
    }
    resolver.process(waits, done);
    for (auto& [ticket, answer] : done) answers.emplace(ticket, std::move(answer));
    done.clear();
  }
  return answers;
}

HostResolver::Answer answerFor(HostResolver& resolver, const std::string& host,
                               milliseconds within = milliseconds(2000)) {
  const auto ticket = resolver.lookup(host, Clock::now() + within);
  auto answers = answersFor(resolver, {ticket});
  EXPECT_EQ(answers.count(ticket), 1u) << host << ": no answer in 5 s";
  return answers[ticket];
}

std::set<std::string> addressesOf(const HostResolver::Answer& answer) {
  std::set<std::string> addresses;
  if (!answer.addresses) return addresses;
  std::stringstream list(*answer.addresses);
  for (std::string item; std::getline(list, item, ',');) addresses.insert(item);
  return addresses;
}

TEST(HostResolver, AnswersWithEveryAddressAndKeepsThemForTheirTtl) {
  LocalDnsServer dns({"--local-ttl=30"});
  ASSERT_TRUE(dns.running()) << "dnsmasq did not start (scripts/install-deps.sh installs it)";
  HostResolver resolver(askingOnly(dns.address()));
  const auto answer = answerFor(resolver, "up.test");
  ASSERT_EQ(answer.status, Status::Answered) << answer.error;
  EXPECT_FALSE(answer.cached);
  EXPECT_EQ(addressesOf(answer), (std::set<std::string>{"127.0.0.9", "[::9]"}));

  const auto* cached = resolver.cached("up.test", Clock::now());
  ASSERT_NE(cached, nullptr);
  EXPECT_TRUE(cached->cached);
  EXPECT_EQ(*cached->addresses, *answer.addresses);
  // Past the TTL the answer is gone: the next probe asks again.
  EXPECT_EQ(resolver.cached("up.test", Clock::now() + std::chrono::seconds(31)), nullptr);
  EXPECT_EQ(resolver.cached("up.test", Clock::now()), nullptr);
}

TEST(HostResolver, AnAnswerWithTtlZeroIsNotKeptAndNoCacheKeepsNothing) {
  LocalDnsServer dns({"--local-ttl=0"});
  ASSERT_TRUE(dns.running());
  HostResolver resolver(askingOnly(dns.address()));
  EXPECT_EQ(answerFor(resolver, "up.test").status, Status::Answered);
  EXPECT_EQ(resolver.cached("up.test", Clock::now()), nullptr);

  LocalDnsServer long_lived({"--local-ttl=3600"});
  HostResolver uncached(askingOnly(long_lived.address(), /*cache=*/false));
  EXPECT_EQ(answerFor(uncached, "up.test").status, Status::Answered);
  EXPECT_EQ(uncached.cached("up.test", Clock::now()), nullptr);
}

// Probes of one name that wait at the same time must not each send a query.
TEST(HostResolver, ProbesWaitingForOneNameShareOneLookup) {
  const std::string log = ::testing::TempDir() + "webmon-dnsmasq-queries.log";
  std::remove(log.c_str());
  LocalDnsServer dns({"--log-queries", "--log-facility=" + log, "--local-ttl=0"});
  ASSERT_TRUE(dns.running());
  HostResolver resolver(askingOnly(dns.address()));
  std::vector<HostResolver::Ticket> tickets;
  for (int i = 0; i < 5; ++i)
    tickets.push_back(resolver.lookup("up.test", Clock::now() + milliseconds(2000)));
  const auto answers = answersFor(resolver, tickets);
  ASSERT_EQ(answers.size(), 5u);
  for (const auto& [ticket, answer] : answers) EXPECT_EQ(answer.status, Status::Answered);
  std::ifstream file(log);
  std::string line;
  int a_queries = 0;
  while (std::getline(file, line)) a_queries += line.find("query[A] up.test") != std::string::npos;
  EXPECT_EQ(a_queries, 1);
  EXPECT_EQ(resolver.waiting(), 0u);
}

TEST(HostResolver, AFailedLookupSaysWhyAndNamesTheHost) {
  LocalDnsServer dns({"--txt-record=textonly.test,no address here"});
  ASSERT_TRUE(dns.running());
  int closed_port = 0;
  close(boundUdpSocket(closed_port));  // nothing listens there now
  HostResolver resolver(askingOnly(dns.address()));
  const auto missing = answerFor(resolver, "missing.test");
  EXPECT_EQ(missing.status, Status::NoSuchName);
  EXPECT_EQ(missing.error, "could not resolve missing.test: Domain name not found");
  EXPECT_FALSE(missing.addresses);
  EXPECT_EQ(answerFor(resolver, "textonly.test").status, Status::NoData);
  EXPECT_EQ(resolver.cached("missing.test", Clock::now()), nullptr);  // failures are not kept

  HostResolver nobody(askingOnly("127.0.0.1:" + std::to_string(closed_port)));
  const auto refused = answerFor(nobody, "up.test");
  EXPECT_NE(refused.status, Status::Answered);
  EXPECT_NE(refused.error.find("could not resolve up.test"), std::string::npos) << refused.error;
}

// A server that never answers ends each probe's wait at its own deadline, and meanwhile the
// cache still answers at once: one dead server does not stall what does not need it.
TEST(HostResolver, AServerThatNeverAnswersEndsEachWaitAtItsDeadline) {
  int port = 0;
  const int silent = boundUdpSocket(port);  // receives the queries, answers none
  HostResolver resolver(askingOnly("127.0.0.1:" + std::to_string(port)));
  const auto started = Clock::now();
  const auto short_wait = resolver.lookup("slow.test", started + milliseconds(300));
  const auto long_wait = resolver.lookup("slow.test", started + milliseconds(700));
  const auto answers = answersFor(resolver, {short_wait, long_wait});
  const auto took = Clock::now() - started;
  close(silent);
  ASSERT_EQ(answers.size(), 2u);
  for (const auto& [ticket, answer] : answers) {
    EXPECT_EQ(answer.status, Status::TimedOut);
    EXPECT_NE(answer.error.find("could not resolve slow.test: no answer from the DNS server"),
              std::string::npos)
        << answer.error;
  }
  EXPECT_GE(took, milliseconds(700));
  EXPECT_LT(took, milliseconds(2000));
}

// Thousands of names at once (a producer starting with a large config): the lookups are
// paced so no reply is dropped for want of socket buffer, and every one is answered.
TEST(HostResolver, ThousandsOfNamesAtOnceAreAllAnswered) {
  LocalDnsServer dns({"--address=/many.test/127.0.0.7", "--local-ttl=60"});
  ASSERT_TRUE(dns.running());
  HostResolver resolver(askingOnly(dns.address()));
  std::vector<HostResolver::Ticket> tickets;
  for (int i = 0; i < 3000; ++i) {
    tickets.push_back(
        resolver.lookup("h" + std::to_string(i) + ".many.test", Clock::now() + milliseconds(4000)));
  }
  const auto answers = answersFor(resolver, tickets);
  ASSERT_EQ(answers.size(), tickets.size());
  std::size_t resolved = 0;
  for (const auto& [ticket, answer] : answers) {
    resolved += answer.status == Status::Answered && *answer.addresses == "127.0.0.7";
  }
  EXPECT_EQ(resolved, tickets.size());
  EXPECT_EQ(resolver.cacheSize(), tickets.size());
}

// --- probes by name, through the runner the producer uses ---------------------------------

class HttpTarget {
 public:
  HttpTarget() {
    server_.Get("/ok", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      hosts_.push_back(request.get_header_value("Host"));
      response.set_content("ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(5));
  }
  ~HttpTarget() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> hosts() {
    std::lock_guard lock(mutex_);
    return hosts_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> hosts_;  // the Host header of every request
};

common::MonitoredUrl httpUrl(const std::string& host, int port) {
  common::MonitoredUrl url;
  url.url = "http://" + host + ":" + std::to_string(port) + "/ok";
  url.name = url.url;
  url.host = host;
  url.port = port;
  url.timeout = milliseconds(2000);
  return url;
}

// Probes `urls` one after the other on `runner`, each to completion.
std::vector<common::ProbeReport> probeInTurn(ProbeRunner& runner,
                                             const std::vector<common::MonitoredUrl>& urls) {
  std::vector<common::ProbeReport> reports;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    runner.start(i, std::make_shared<const common::MonitoredUrl>(urls[i]),
                 ProbeScheduler::Clock::now());
    std::vector<ProbeResult> finished;
    const auto give_up = Clock::now() + std::chrono::seconds(10);
    while (finished.empty() && Clock::now() < give_up) {
      runner.poll(milliseconds(100), {}, finished);
    }
    EXPECT_EQ(finished.size(), 1u) << urls[i].url;
    if (finished.empty()) return reports;
    reports.push_back(buildReport(finished.front(), urls[i], "test"));
  }
  return reports;
}

TEST(ProbesByName, ConnectToTheResolvedAddressKeepTheHostAndSayWhetherItWasCached) {
  HttpTarget target;
  LocalDnsServer dns({"--host-record=web.test,127.0.0.1", "--local-ttl=60"});
  ASSERT_TRUE(dns.running());
  ProbeRunner runner("webmon-test", askingOnly(dns.address()));
  const auto url = httpUrl("web.test", target.port());
  const auto reports = probeInTurn(runner, {url, url});
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& report : reports) {
    EXPECT_TRUE(report.ok) << (report.error ? report.error->message : "");
    EXPECT_EQ(report.http_status, 200);
    ASSERT_TRUE(report.timings.dns_ms);
    ASSERT_TRUE(report.timings.connect_ms);
  }
  EXPECT_EQ(reports[0].dns_cached, false);  // looked up for this probe
  EXPECT_EQ(reports[1].dns_cached, true);   // within the answer's 60 s
  // The name, not the address, is what the server was asked for.
  const std::string host_header = "web.test:" + std::to_string(target.port());
  EXPECT_EQ(target.hosts(), (std::vector<std::string>{host_header, host_header}));
}

TEST(ProbesByName, AnAddressThatRefusesMakesLibcurlTryTheNext) {
  HttpTarget target;  // on 127.0.0.1 only: 127.0.0.2 refuses the same port
  LocalDnsServer dns({"--address=/two.test/127.0.0.2", "--address=/two.test/127.0.0.1"});
  ASSERT_TRUE(dns.running());
  ProbeRunner runner("webmon-test", askingOnly(dns.address()));
  HostResolver check(askingOnly(dns.address()));
  ASSERT_EQ(addressesOf(answerFor(check, "two.test")),
            (std::set<std::string>{"127.0.0.1", "127.0.0.2"}));
  const auto reports = probeInTurn(runner, {httpUrl("two.test", target.port())});
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].ok) << (reports[0].error ? reports[0].error->message : "");
}

TEST(ProbesByName, AFailedLookupIsKindDnsAndNeverConnects) {
  LocalDnsServer dns;
  ASSERT_TRUE(dns.running());
  ProbeRunner runner("webmon-test", askingOnly(dns.address()));
  const auto reports = probeInTurn(runner, {httpUrl("missing.test", 80)});
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_TRUE(reports[0].error);
  EXPECT_EQ(reports[0].error->kind, common::ErrorKind::Dns);
  EXPECT_EQ(reports[0].error->message, "could not resolve missing.test: Domain name not found");
  EXPECT_FALSE(reports[0].timings.connect_ms);
  EXPECT_FALSE(reports[0].http_status);
}

// Every probe started ends with exactly one result, whatever its name's fate: resolved,
// missing, or asked of a server that never answers; and nothing stays in flight after.
TEST(ProbesByName, EveryProbeEndsOnceAndNothingStaysInFlight) {
  LocalDnsServer dns({"--address=/many.test/127.0.0.1", "--local-ttl=0"});
  ASSERT_TRUE(dns.running());
  int silent_port = 0, closed_port = 0;
  const int silent = boundUdpSocket(silent_port);
  close(boundUdpSocket(closed_port));  // a port where nothing listens: resolved probes are
                                       // refused there, which shows they got an address
  ProbeRunner runner("webmon-test", askingOnly(dns.address()));
  ProbeRunner stalled("webmon-test", askingOnly("127.0.0.1:" + std::to_string(silent_port)));
  std::vector<common::MonitoredUrl> urls;
  for (int i = 0; i < 300; ++i) {  // three probes per name: some share a lookup
    urls.push_back(httpUrl("h" + std::to_string(i % 100) + ".many.test", closed_port));
    urls.push_back(httpUrl("missing" + std::to_string(i) + ".test", closed_port));
  }
  auto timed_out = httpUrl("never.test", closed_port);
  timed_out.timeout = milliseconds(500);
  for (std::size_t i = 0; i < urls.size(); ++i) {
    runner.start(i, std::make_shared<const common::MonitoredUrl>(urls[i]), Clock::now());
  }
  stalled.start(urls.size(), std::make_shared<const common::MonitoredUrl>(timed_out), Clock::now());
  std::vector<ProbeResult> finished;
  const auto give_up = Clock::now() + std::chrono::seconds(15);
  while ((runner.inFlight() > 0 || stalled.inFlight() > 0) && Clock::now() < give_up) {
    runner.poll(milliseconds(20), {}, finished);
    stalled.poll(milliseconds(20), {}, finished);
  }
  close(silent);
  EXPECT_EQ(runner.inFlight(), 0u);
  EXPECT_EQ(stalled.inFlight(), 0u);
  std::vector<std::size_t> results(urls.size() + 1, 0);
  std::map<std::string, std::size_t> kinds;
  for (const auto& result : finished) {
    ++results.at(result.target);
    const auto& url = result.target < urls.size() ? urls[result.target] : timed_out;
    const auto report = buildReport(result, url, "test");
    const bool resolvable = url.host.find("many.test") != std::string::npos;
    ++kinds[std::string(resolvable ? "resolvable " : "unresolvable ") +
            std::string(report.error ? common::errorKindName(report.error->kind) : "up")];
  }
  for (std::size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i], 1u) << "probe " << i;
  EXPECT_EQ(kinds, (std::map<std::string, std::size_t>{{"resolvable connect", 300},
                                                       {"unresolvable dns", 301}}));
}

// A resolver in trouble answers SERVFAIL or REFUSED: the probe fails with kind dns.
TEST(ProbesByName, AServerFailureOrRefusalIsKindDns) {
  FailingDnsServer servfail(2), refused(5);
  ProbeRunner troubled("webmon-test", askingOnly(servfail.address()));
  ProbeRunner refusing("webmon-test", askingOnly(refused.address()));
  const auto failed = probeInTurn(troubled, {httpUrl("web.test", 80)});
  const auto denied = probeInTurn(refusing, {httpUrl("web.test", 80)});
  ASSERT_EQ(failed.size(), 1u);
  ASSERT_EQ(denied.size(), 1u);
  ASSERT_TRUE(failed[0].error);
  ASSERT_TRUE(denied[0].error);
  EXPECT_EQ(failed[0].error->kind, common::ErrorKind::Dns);
  EXPECT_EQ(denied[0].error->kind, common::ErrorKind::Dns);
  // Each server that fails or refuses is given up on and the next one asked, as the system's
  // resolver does; with none left, the message says so.
  for (const auto& report : {failed[0], denied[0]}) {
    EXPECT_EQ(report.error->message,
              "could not resolve web.test: no DNS server gave an answer (each failed, refused or "
              "was not listening)");
  }
}

// A dead DNS server holds up only the probes that need it: an address in the URL, probed on
// the same loop meanwhile, is done in a few milliseconds.
TEST(ProbesByName, ADeadDnsServerDoesNotHoldUpOtherTargets) {
  HttpTarget target;
  int port = 0;
  const int silent = boundUdpSocket(port);
  ProbeRunner runner("webmon-test", askingOnly("127.0.0.1:" + std::to_string(port)));
  auto by_name = httpUrl("web.test", target.port());
  by_name.timeout = milliseconds(1500);
  const auto started = Clock::now();
  runner.start(0, std::make_shared<const common::MonitoredUrl>(by_name), started);
  runner.start(1, std::make_shared<const common::MonitoredUrl>(httpUrl("127.0.0.1", target.port())),
               started);
  std::vector<ProbeResult> finished;
  std::map<std::size_t, Clock::duration> took;
  while (runner.inFlight() > 0 && Clock::now() < started + std::chrono::seconds(5)) {
    runner.poll(milliseconds(20), {}, finished);
    for (const auto& result : finished) took[result.target] = Clock::now() - started;
    finished.clear();
  }
  close(silent);
  ASSERT_EQ(took.size(), 2u);
  EXPECT_LT(took[1], milliseconds(500));   // the address: not held up
  EXPECT_GE(took[0], milliseconds(1500));  // the name: its whole timeout, then kind dns
}

}  // namespace
}  // namespace webmon::producer
