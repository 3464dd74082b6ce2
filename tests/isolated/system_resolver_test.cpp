// The system resolver path, run by tests/e2e/dns_error_class_test.sh inside a private network
// and mount namespace whose /etc/resolv.conf names a dnsmasq on 127.0.0.1: a name that does
// not resolve must be error kind `dns` for an http probe, and dns probes without a
// dns_server must use /etc/resolv.conf. Outside that namespace these tests refuse to run, so
// that no query ever leaves the machine.

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/run_probes.h"

namespace webmon::producer {
namespace {

using std::chrono::milliseconds;

bool resolverIsLocal() {
  std::ifstream file("/etc/resolv.conf");
  std::stringstream text;
  text << file.rdbuf();
  return std::getenv("WEBMON_ISOLATED_RESOLVER") != nullptr &&
         text.str().find("nameserver 127.0.0.1\n") == 0;
}

using testing::probeAll;

common::MonitoredUrl url(common::ProbeType type, const std::string& text) {
  common::MonitoredUrl m;
  m.type = type;
  m.url = text;
  m.name = text;
  m.timeout = milliseconds(3000);
  return m;
}

TEST(SystemResolver, AnUnresolvableHostIsErrorKindDnsAndAResolvableOneIsProbed) {
  ASSERT_TRUE(resolverIsLocal()) << "run by tests/e2e/dns_error_class_test.sh only";
  httplib::Server server;
  server.Get("/ok", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(milliseconds(5));
  const std::string suffix = ":" + std::to_string(port) + "/ok";
  const auto reports =
      probeAll({url(common::ProbeType::Http, "http://missing.test" + suffix),
                url(common::ProbeType::Http, "http://up.test" + suffix),
                url(common::ProbeType::Tcp, "tcp://up.test:" + std::to_string(port))});
  server.stop();
  thread.join();
  ASSERT_TRUE(reports[0].error);
  EXPECT_EQ(reports[0].error->kind, common::ErrorKind::Dns) << reports[0].error->message;
  EXPECT_NE(reports[0].error->message.find("missing.test"), std::string::npos);
  EXPECT_FALSE(reports[0].http_status);
  EXPECT_FALSE(reports[0].timings.connect_ms);  // it never got that far
  EXPECT_TRUE(reports[1].ok) << (reports[1].error ? reports[1].error->message : "");
  EXPECT_EQ(reports[1].http_status, 200);
  EXPECT_TRUE(reports[1].timings.dns_ms);
  EXPECT_EQ(reports[1].dns_cached, false);  // looked up for this probe, in resolv.conf's server
  EXPECT_TRUE(reports[2].ok) << (reports[2].error ? reports[2].error->message : "");
}

TEST(SystemResolver, DnsProbesWithoutADnsServerAskTheSystemsResolver) {
  ASSERT_TRUE(resolverIsLocal()) << "run by tests/e2e/dns_error_class_test.sh only";
  const auto reports = probeAll({url(common::ProbeType::Dns, "dns://up.test"),
                                 url(common::ProbeType::Dns, "dns://missing.test")});
  EXPECT_TRUE(reports[0].ok) << (reports[0].error ? reports[0].error->message : "");
  EXPECT_EQ(reports[0].dns_answers, std::vector<std::string>{"127.0.0.1"});
  ASSERT_TRUE(reports[1].error);
  EXPECT_EQ(reports[1].error->kind, common::ErrorKind::Dns);
  EXPECT_NE(reports[1].error->message.find("the system's resolver"), std::string::npos);
}

}  // namespace
}  // namespace webmon::producer
