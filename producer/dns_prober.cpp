#include "producer/dns_prober.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "common/utf8.h"
#include "producer/ares_channel.h"
#include "producer/dns_answers.h"

namespace webmon::producer {
namespace {

using Clock = ProbeScheduler::Clock;

// c-ares' own retry timer, per try: a lost UDP packet is asked again before the URL's timeout
// (which caps the whole lookup) runs out.
constexpr int kTryTimeoutMs = 1000;
constexpr int kTries = 3;

int queryType(common::DnsRecord record) {
  switch (record) {
    case common::DnsRecord::AAAA:
      return 28;  // ns_t_aaaa
    case common::DnsRecord::CNAME:
      return 5;  // ns_t_cname
    case common::DnsRecord::MX:
      return 15;  // ns_t_mx
    case common::DnsRecord::TXT:
      return 16;  // ns_t_txt
    case common::DnsRecord::A:
      break;
  }
  return 1;  // ns_t_a
}

std::string lowercaseName(std::string text) {
  if (!text.empty() && text.back() == '.') text.pop_back();
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

bool dnsAnswersContain(common::DnsRecord record, const std::vector<std::string>& answers,
                       const std::string& expected) {
  using common::DnsRecord;
  if (record == DnsRecord::A || record == DnsRecord::AAAA) {
    const int family = record == DnsRecord::A ? AF_INET : AF_INET6;
    unsigned char want[16] = {}, have[16] = {};
    if (inet_pton(family, expected.c_str(), want) != 1) return false;
    return std::any_of(answers.begin(), answers.end(), [&](const std::string& answer) {
      return inet_pton(family, answer.c_str(), have) == 1 && std::memcmp(want, have, 16) == 0;
    });
  }
  if (record == DnsRecord::TXT) {
    return std::find(answers.begin(), answers.end(), expected) != answers.end();
  }
  const std::string want = lowercaseName(expected);
  return std::any_of(answers.begin(), answers.end(),
                     [&](const std::string& answer) { return lowercaseName(answer) == want; });
}

// One resolver configuration (a dns_server, or the system's) and its c-ares channel.
struct Channel {
  explicit Channel(const std::string& configured_server)
      : ares({configured_server, kTryTimeoutMs, kTries, /*report_server_errors=*/true}),
        server(configured_server) {}
  AresChannel ares;
  std::string server;  // as configured; empty: /etc/resolv.conf
  // Queries c-ares has not called back yet, including those whose probe already timed out:
  // c-ares must be driven until it lets go of them, or they would pile up.
  std::size_t outstanding = 0;
};

struct Lookup {
  ProbeStart start;
  Clock::time_point deadline;
  Channel* channel = nullptr;
};

struct DnsProber::Impl {
  AresLibrary library;
  std::map<std::string, std::unique_ptr<Channel>> channels;
  std::unordered_map<std::uint64_t, Lookup> lookups;  // by serial number
  std::set<std::pair<Clock::time_point, std::uint64_t>> deadlines;
  std::uint64_t next_serial = 1;
  // Callbacks may run inside ares_query as well as in process(): results wait here.
  std::vector<ProbeResult> completed;

  // What ares_query's callback gets: the prober and which lookup. Freed by the callback, which
  // c-ares calls exactly once per query (with ARES_EDESTRUCTION when the channel goes).
  struct CallbackContext {
    Impl* impl;
    Channel* channel;
    std::uint64_t serial;
  };

  ~Impl() {
    // Destroying a channel calls the outstanding callbacks; they must still find this object.
    channels.clear();
  }

  Channel& channelFor(const std::string& server) {
    auto& slot = channels[server];
    if (!slot) {
      try {
        slot = std::make_unique<Channel>(server);
      } catch (...) {
        channels.erase(server);
        throw;
      }
    }
    return *slot;
  }

  static ProbeResult resultOf(ProbeStart&& start) {
    ProbeResult result;
    static_cast<ProbeStart&>(result) = std::move(start);
    result.total_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - result.started).count();
    return result;
  }

  void finish(std::uint64_t serial, int status, const unsigned char* reply, int length) {
    auto it = lookups.find(serial);
    if (it == lookups.end()) return;  // its deadline passed first; the probe has its result
    Lookup& lookup = it->second;
    ProbeResult result = resultOf(std::move(lookup.start));
    const common::MonitoredUrl& url = *result.url;
    if (status == ARES_SUCCESS) {
      status = parseAnswers(url.dns_record, reply, length, result.dns_answers);
    }
    result.dns_outcome = outcomeOf(status);
    // The lookup is the whole probe: all of it is the DNS phase.
    result.dns_done_ms = result.total_ms;
    if (status != ARES_SUCCESS) {
      result.error_detail =
          std::string(ares_strerror(status)) + " (" +
          std::string(common::dnsRecordName(url.dns_record)) + " " + url.url.substr(6) + " at " +
          (lookup.channel->server.empty() ? "the system's resolver" : lookup.channel->server) + ")";
    }
    deadlines.erase({lookup.deadline, serial});
    completed.push_back(std::move(result));
    lookups.erase(it);
  }

  static void onAnswer(void* arg, int status, int /*timeouts*/, unsigned char* reply, int length) {
    auto* context = static_cast<CallbackContext*>(arg);
    --context->channel->outstanding;
    if (status != ARES_EDESTRUCTION) context->impl->finish(context->serial, status, reply, length);
    delete context;
  }

  // Probes whose timeout ran out end now; c-ares may still answer later, and is ignored.
  void expire(Clock::time_point now) {
    while (!deadlines.empty() && deadlines.begin()->first <= now) {
      const auto serial = deadlines.begin()->second;
      deadlines.erase(deadlines.begin());
      auto it = lookups.find(serial);
      if (it == lookups.end()) continue;
      ProbeResult result = resultOf(std::move(it->second.start));
      result.dns_outcome = DnsOutcome::TimedOut;
      result.error_detail = "no answer within " + std::to_string(result.url->timeout.count()) +
                            " ms (" + std::string(common::dnsRecordName(result.url->dns_record)) +
                            " " + result.url->url.substr(6) + ")";
      completed.push_back(std::move(result));
      lookups.erase(it);
    }
  }
};

DnsProber::DnsProber() : impl_(std::make_unique<Impl>()) {}
DnsProber::~DnsProber() = default;

// Finished lookups not yet handed out count too: the caller polls until this is 0.
std::size_t DnsProber::inFlight() const noexcept {
  return impl_->lookups.size() + impl_->completed.size();
}

void DnsProber::start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> url,
                      ProbeScheduler::TimePoint planned, int attempt) {
  Channel* resolver = nullptr;
  try {
    resolver = &impl_->channelFor(url->dns_server);
  } catch (const std::exception& error) {
    // No resolver for this server (out of memory, say): this probe fails, the loop goes on.
    ProbeResult result = Impl::resultOf(ProbeStart::now(target, std::move(url), planned, attempt));
    result.dns_outcome = DnsOutcome::Failed;
    result.error_detail = error.what();
    impl_->completed.push_back(std::move(result));
    return;
  }
  Channel& channel = *resolver;
  const std::uint64_t serial = impl_->next_serial++;
  const std::string name = url->url.substr(6);  // after "dns://"
  const int type = queryType(url->dns_record);
  Lookup lookup;
  lookup.start = ProbeStart::now(target, std::move(url), planned, attempt);
  lookup.deadline = lookup.start.started + lookup.start.url->timeout;
  lookup.channel = &channel;
  impl_->deadlines.emplace(lookup.deadline, serial);
  impl_->lookups.emplace(serial, std::move(lookup));
  ++channel.outstanding;
  ares_query(channel.ares.get(), name.c_str(), 1 /* class IN */, type, Impl::onAnswer,
             new Impl::CallbackContext{impl_.get(), &channel, serial});
}

void DnsProber::addWaits(std::vector<WaitFd>& waits) const {
  for (const auto& [server, channel] : impl_->channels) channel->ares.addWaits(waits);
}

std::chrono::milliseconds DnsProber::nextWake(std::chrono::milliseconds cap) const {
  auto wait = cap;
  const auto now = Clock::now();
  if (!impl_->deadlines.empty()) {
    wait = std::min(
        wait, std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(
                                                         impl_->deadlines.begin()->first - now)));
  }
  for (const auto& [server, channel] : impl_->channels) {
    if (channel->outstanding > 0) wait = std::min(wait, channel->ares.nextWake(cap));
  }
  return wait;
}

void DnsProber::process(const std::vector<WaitFd>& waits, std::vector<ProbeResult>& finished) {
  for (const auto& [server, channel] : impl_->channels) {
    if (channel->outstanding > 0) channel->ares.process(waits);
  }
  impl_->expire(Clock::now());
  for (auto& result : impl_->completed) finished.push_back(std::move(result));
  impl_->completed.clear();
}

}  // namespace webmon::producer
