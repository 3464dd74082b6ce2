// dns probes through ProbeRunner (c-ares on the producer's event loop) against a dnsmasq the
// test starts on 127.0.0.1 with records it chooses: every record type, an expected answer,
// each way a lookup fails, and a server that never answers. No query leaves the machine:
// dnsmasq gets no upstream servers and answers NXDOMAIN for every name it was not given.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/support/local_dns_server.h"
#include "tests/support/run_probes.h"

namespace webmon::producer {
namespace {

using std::chrono::milliseconds;
using testing::boundUdpSocket;
using testing::LocalDnsServer;

common::MonitoredUrl lookup(const std::string& name, common::DnsRecord record,
                            const std::string& server, const std::string& expect = "",
                            milliseconds timeout = milliseconds(2000)) {
  common::MonitoredUrl url;
  url.type = common::ProbeType::Dns;
  url.url = "dns://" + name;
  url.name = url.url;
  url.dns_record = record;
  url.dns_server = server;
  url.dns_expect = expect;
  url.timeout = timeout;
  url.period = timeout * 2;
  return url;
}

using testing::probeAll;

using common::DnsRecord;
using common::ErrorKind;
using Answers = std::vector<std::string>;

TEST(DnsProbes, EachRecordTypeIsAskedAndItsAnswersReported) {
  LocalDnsServer dns;
  ASSERT_TRUE(dns.running()) << "dnsmasq did not start (scripts/install-deps.sh installs it)";
  const auto reports = probeAll({lookup("up.test", DnsRecord::A, dns.address()),
                                 lookup("up.test", DnsRecord::AAAA, dns.address()),
                                 lookup("www.up.test", DnsRecord::CNAME, dns.address()),
                                 lookup("up.test", DnsRecord::MX, dns.address()),
                                 lookup("up.test", DnsRecord::TXT, dns.address())});
  const std::vector<Answers> expected = {
      {"127.0.0.9"}, {"::9"}, {"up.test"}, {"10 mail.up.test"}, {"v=webmon ok"}};
  const char* records[] = {"A", "AAAA", "CNAME", "MX", "TXT"};
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto& report = reports[i];
    EXPECT_TRUE(report.ok) << records[i] << ": "
                           << (report.error ? report.error->message : std::string());
    EXPECT_EQ(report.type, "dns");
    EXPECT_EQ(report.dns_record, records[i]);
    EXPECT_EQ(report.dns_answers, expected[i]) << records[i];
    ASSERT_TRUE(report.timings.dns_ms) << records[i];
    EXPECT_EQ(*report.timings.dns_ms, report.response_time_ms);
    EXPECT_FALSE(report.timings.connect_ms);
  }
}

TEST(DnsProbes, AnExpectedAnswerMustBeAmongTheAnswers) {
  LocalDnsServer dns;
  ASSERT_TRUE(dns.running());
  const auto reports =
      probeAll({lookup("up.test", DnsRecord::A, dns.address(), "127.0.0.9"),
                lookup("up.test", DnsRecord::A, dns.address(), "127.0.0.99"),
                lookup("up.test", DnsRecord::MX, dns.address(), "10 MAIL.up.test."),
                lookup("up.test", DnsRecord::TXT, dns.address(), "v=webmon down")});
  EXPECT_TRUE(reports[0].ok);
  ASSERT_TRUE(reports[1].error);
  EXPECT_EQ(reports[1].error->kind, ErrorKind::DnsAnswer);
  EXPECT_EQ(reports[1].error->message, "expected 127.0.0.99 among the A answers, got 127.0.0.9");
  EXPECT_EQ(reports[1].dns_answers, Answers{"127.0.0.9"});
  EXPECT_TRUE(reports[2].ok);
  ASSERT_TRUE(reports[3].error);
  EXPECT_EQ(reports[3].error->kind, ErrorKind::DnsAnswer);
}

TEST(DnsProbes, AMissingNameAMissingRecordAndAClosedServerAreDnsErrors) {
  LocalDnsServer dns;
  ASSERT_TRUE(dns.running());
  int closed_port = 0;
  close(boundUdpSocket(closed_port));  // nothing listens there now
  const auto reports =
      probeAll({lookup("missing.test", DnsRecord::A, dns.address()),
                lookup("v4only.test", DnsRecord::AAAA, dns.address()),
                lookup("up.test", DnsRecord::A, "127.0.0.1:" + std::to_string(closed_port))});
  for (const auto& report : reports) {
    EXPECT_FALSE(report.ok) << report.url;
    ASSERT_TRUE(report.error) << report.url;
    EXPECT_EQ(report.error->kind, ErrorKind::Dns) << report.url << ": " << report.error->message;
    EXPECT_EQ(report.dns_answers, Answers{}) << report.url;
  }
  EXPECT_EQ(reports[0].error->message,
            "Domain name not found (A missing.test at " + dns.address() + ")");
  EXPECT_EQ(reports[1].error->message,
            "DNS server returned answer with no data (AAAA v4only.test at " + dns.address() + ")");
}

TEST(DnsProbes, AServerThatNeverAnswersIsATimeoutAfterTheUrlsTimeout) {
  int port = 0;
  const int silent = boundUdpSocket(port);  // receives the queries, answers none
  const auto started = std::chrono::steady_clock::now();
  const auto reports = probeAll(
      {lookup("up.test", DnsRecord::A, "127.0.0.1:" + std::to_string(port), "", milliseconds(700)),
       lookup("up.test", DnsRecord::MX, "127.0.0.1:" + std::to_string(port), "",
              milliseconds(300))});
  const auto took = std::chrono::steady_clock::now() - started;
  close(silent);
  for (const auto& report : reports) {
    ASSERT_TRUE(report.error);
    EXPECT_EQ(report.error->kind, ErrorKind::Timeout) << report.error->message;
  }
  EXPECT_GE(reports[0].response_time_ms, 700.0);
  EXPECT_LT(reports[0].response_time_ms, 1200.0);
  EXPECT_GE(reports[1].response_time_ms, 300.0);
  EXPECT_LT(reports[1].response_time_ms, 700.0);
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

// A reply that answers with other records (here the CNAME of a name whose target has no MX)
// holds no answer of the type asked for: that is "no such record", never up with no answers.
// c-ares parses such a reply as a success with an empty list; the fuzzer found it.
TEST(DnsProbes, AReplyWithoutRecordsOfTheTypeAskedForIsNoData) {
  LocalDnsServer dns({"--cname=alias.test,v4only.test"});
  ASSERT_TRUE(dns.running());
  const auto reports = probeAll({lookup("alias.test", DnsRecord::MX, dns.address()),
                                 lookup("alias.test", DnsRecord::TXT, dns.address()),
                                 lookup("alias.test", DnsRecord::A, dns.address())});
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_FALSE(reports[i].ok) << reports[i].dns_record.value_or("");
    ASSERT_TRUE(reports[i].error) << reports[i].dns_record.value_or("");
    EXPECT_EQ(reports[i].error->kind, ErrorKind::Dns);
    EXPECT_EQ(reports[i].dns_answers, Answers{});
  }
  EXPECT_TRUE(reports[2].ok);  // the A record is there, at the end of the chain
  EXPECT_EQ(reports[2].dns_answers, Answers{"127.0.0.10"});
}

// A report holds at most kMaxDnsAnswers answers (the consumer rejects more): a name with more
// MX or TXT records than that is reported with the first kMaxDnsAnswers, and the report still
// goes through the consumer's decoder.
TEST(DnsProbes, ANameWithMoreRecordsThanAReportHoldsKeepsTheFirstOnes) {
  const std::size_t records = common::kMaxDnsAnswers + 6;
  std::vector<std::string> flags;
  for (std::size_t i = 0; i < records; ++i) {
    flags.push_back("--mx-host=many.test,mx" + std::to_string(i) + ".many.test," +
                    std::to_string(i + 1));
    flags.push_back("--txt-record=many.test,entry " + std::to_string(i));
  }
  LocalDnsServer dns(flags);
  ASSERT_TRUE(dns.running());
  const auto reports = probeAll({lookup("many.test", DnsRecord::MX, dns.address()),
                                 lookup("many.test", DnsRecord::TXT, dns.address())});
  for (const auto& report : reports) {
    EXPECT_TRUE(report.ok) << report.dns_record.value_or("");
    EXPECT_EQ(report.dns_answers.value_or(Answers{}).size(), common::kMaxDnsAnswers)
        << report.dns_record.value_or("");
    const auto decoded = common::decodeReport(common::encodeReport(report));
    EXPECT_TRUE(decoded.report) << decoded.rejection_reason;
  }
}

// The runner keeps HTTP and DNS probes apart but drives them in the same loop.
TEST(DnsProbes, RunBesideHttpProbesInOneLoop) {
  LocalDnsServer dns;
  ASSERT_TRUE(dns.running());
  int closed_port = 0;
  close(boundUdpSocket(closed_port));
  common::MonitoredUrl http;
  http.url = "http://127.0.0.1:" + std::to_string(closed_port) + "/";
  http.name = http.url;
  http.timeout = milliseconds(2000);
  const auto reports = probeAll({http, lookup("up.test", DnsRecord::A, dns.address())});
  ASSERT_TRUE(reports[0].error);
  EXPECT_EQ(reports[0].error->kind, ErrorKind::Connect);
  EXPECT_TRUE(reports[1].ok);
}

}  // namespace
}  // namespace webmon::producer
