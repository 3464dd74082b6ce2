#include "producer/host_resolver.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

#include "producer/ares_channel.h"
#include "producer/dns_answers.h"

namespace webmon::producer {
namespace {

using Clock = HostResolver::Clock;
using Status = HostResolver::Status;

// Below this size the cache is never swept; above, when it has doubled since the last sweep.
constexpr std::size_t kFirstSweep = 1024;

// Lookups on the wire at once; the others queue. Each sends A and AAAA queries, and their
// replies wait in one UDP socket's buffer (212 KB by default, about 160 small packets) until
// the loop reads them: with 12,000 names starting within 2 s and no limit, 9,186 replies
// were dropped there, and c-ares asked again only after resolv.conf's timeout, long after the
// probes' own (docs/benchmarks.md). A lookup on a local resolver takes well under a
// millisecond, so this still allows tens of thousands of lookups a second.
constexpr std::size_t kMaxLookupsOnTheWire = 64;

struct AddrinfoDeleter {
  void operator()(ares_addrinfo* info) const noexcept { ares_freeaddrinfo(info); }
};

// c-ares' reason, except where it would mislead: a server that said SERVFAIL or REFUSED is
// given up on like one that does not listen (the next server is asked, as the system's
// resolver does), and c-ares then says it "could not contact" any.
std::string why(int ares_status) {
  if (ares_status == ARES_ECONNREFUSED) {
    return "no DNS server gave an answer (each failed, refused or was not listening)";
  }
  return ares_strerror(ares_status);
}

// The nodes' addresses as CURLOPT_RESOLVE wants them (IPv6 in brackets), each once; and the
// smallest TTL of the answer, CNAMEs included.
std::string addressList(const ares_addrinfo& info, std::chrono::seconds& ttl) {
  std::string list;
  std::set<std::string> seen;
  char text[INET6_ADDRSTRLEN] = {};
  for (const ares_addrinfo_node* node = info.nodes; node != nullptr; node = node->ai_next) {
    const void* address = nullptr;
    if (node->ai_family == AF_INET) {
      address = &reinterpret_cast<const sockaddr_in*>(node->ai_addr)->sin_addr;
    } else if (node->ai_family == AF_INET6) {
      address = &reinterpret_cast<const sockaddr_in6*>(node->ai_addr)->sin6_addr;
    }
    if (address == nullptr || inet_ntop(node->ai_family, address, text, sizeof text) == nullptr) {
      continue;
    }
    if (!seen.insert(text).second) continue;
    if (!list.empty()) list += ',';
    const bool ipv6 = node->ai_family == AF_INET6;
    if (ipv6) list += '[';
    list += text;
    if (ipv6) list += ']';
    ttl = std::min(ttl, std::chrono::seconds(std::max(0, node->ai_ttl)));
  }
  for (const ares_addrinfo_cname* cname = info.cnames; cname != nullptr; cname = cname->next) {
    ttl = std::min(ttl, std::chrono::seconds(std::max(0, cname->ttl)));
  }
  return list;
}

}  // namespace

struct HostResolver::Impl {
  struct Entry {
    Answer answer;
    Clock::time_point expires;
  };
  struct Waiter {
    std::string host;
    Clock::time_point since;
    Clock::time_point deadline;
  };
  // What ares_getaddrinfo's callback gets; freed by the callback, which c-ares calls exactly
  // once per lookup (with ARES_EDESTRUCTION when the channel goes).
  struct CallbackContext {
    Impl* impl;
    std::string host;
  };

  explicit Impl(Options chosen) : options(std::move(chosen)) {}
  ~Impl() {
    // Destroying the channel calls the outstanding callbacks; they must still find this.
    channel.reset();
  }

  Options options;
  AresLibrary library;
  std::unordered_map<std::string, Entry> cache;
  struct Lookup {
    std::vector<Ticket> tickets;  // the probes waiting (some may have given up)
    bool sent = false;            // on the wire, or queued
  };
  std::unordered_map<std::string, Lookup> lookups;  // names being resolved
  std::deque<std::string> queued;                   // names waiting for a place on the wire
  std::size_t on_the_wire = 0;
  std::unordered_map<Ticket, Waiter> waiters;
  std::set<std::pair<Clock::time_point, Ticket>> deadlines;
  std::vector<std::pair<Ticket, Answer>> completed;  // answered, not yet handed out
  Ticket next_ticket = 1;
  std::size_t sweep_at = kFirstSweep;
  // Connections ask the next server on SERVFAIL, as the system's resolver does; tries and
  // timeouts come from /etc/resolv.conf, and each probe's own deadline caps the wait.
  std::unique_ptr<AresChannel> channel = std::make_unique<AresChannel>(
      AresChannel::Settings{options.servers, 0, 0, /*report_server_errors=*/false});

  static void onAnswer(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
    std::unique_ptr<CallbackContext> context(static_cast<CallbackContext*>(arg));
    std::unique_ptr<ares_addrinfo, AddrinfoDeleter> info(result);
    if (status == ARES_EDESTRUCTION) return;
    --context->impl->on_the_wire;
    context->impl->finish(context->host, status, info.get());
    context->impl->sendQueued();
  }

  void send(const std::string& host) {
    ares_addrinfo_hints hints{};
    // No sorting by RFC 6724: c-ares would connect a UDP socket to every address to find its
    // source address; libcurl tries the addresses in turn (both families at once) anyway.
    hints.ai_flags = ARES_AI_NOSORT;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    lookups[host].sent = true;
    ++on_the_wire;
    // May call back at once (an /etc/hosts entry, a name c-ares refuses): the waiters are in
    // place already.
    ares_getaddrinfo(channel->get(), host.c_str(), nullptr, &hints, onAnswer,
                     new CallbackContext{this, host});
  }

  // Puts queued names on the wire while there is room; a name whose probes have all given up
  // meanwhile is not asked at all.
  void sendQueued() {
    while (on_the_wire < kMaxLookupsOnTheWire && !queued.empty()) {
      const std::string host = std::move(queued.front());
      queued.pop_front();
      auto lookup = lookups.find(host);
      if (lookup == lookups.end()) continue;
      const auto& tickets = lookup->second.tickets;
      const bool wanted = std::any_of(tickets.begin(), tickets.end(),
                                      [this](Ticket t) { return waiters.count(t) > 0; });
      if (wanted) {
        send(host);
      } else {
        lookups.erase(lookup);
      }
    }
  }

  void finish(const std::string& host, int status, const ares_addrinfo* info) {
    Answer answer;
    auto ttl = std::chrono::duration_cast<std::chrono::seconds>(options.max_ttl);
    if (status == ARES_SUCCESS && info != nullptr) {
      auto list = addressList(*info, ttl);
      if (list.empty()) {
        status = ARES_ENODATA;
      } else {
        answer.addresses = std::make_shared<const std::string>(std::move(list));
      }
    }
    answer.status = outcomeOf(status);
    if (answer.status != Status::Answered)
      answer.error = "could not resolve " + host + ": " + why(status);
    const auto now = Clock::now();
    if (answer.status == Status::Answered && options.cache && ttl.count() > 0) {
      Entry& entry = cache[host];
      entry.answer = answer;
      entry.answer.cached = true;
      entry.expires = now + ttl;
      if (cache.size() >= sweep_at) sweep(now);
    }
    auto waiting = lookups.find(host);
    if (waiting == lookups.end()) return;
    for (const Ticket ticket : waiting->second.tickets) {
      auto waiter = waiters.find(ticket);
      if (waiter == waiters.end()) continue;  // its deadline passed first
      deadlines.erase({waiter->second.deadline, ticket});
      waiters.erase(waiter);
      completed.emplace_back(ticket, answer);
    }
    lookups.erase(waiting);
  }

  // Names not probed any more must not stay for ever: drop what has expired.
  void sweep(Clock::time_point now) {
    for (auto it = cache.begin(); it != cache.end();) {
      it = it->second.expires <= now ? cache.erase(it) : std::next(it);
    }
    sweep_at = std::max(kFirstSweep, 2 * cache.size());
  }

  // A probe whose deadline passed gets its answer now; the lookup goes on for the others.
  void expire(Clock::time_point now) {
    while (!deadlines.empty() && deadlines.begin()->first <= now) {
      const Ticket ticket = deadlines.begin()->second;
      deadlines.erase(deadlines.begin());
      auto waiter = waiters.find(ticket);
      if (waiter == waiters.end()) continue;
      Answer answer;
      answer.status = Status::TimedOut;
      answer.error =
          "could not resolve " + waiter->second.host + ": no answer from the DNS server within " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(now - waiter->second.since)
                  .count()) +
          " ms";
      completed.emplace_back(ticket, std::move(answer));
      waiters.erase(waiter);
    }
  }
};

bool isAddress(const std::string& host) {
  in_addr ipv4{};
  return !host.empty() && (host.front() == '[' || inet_pton(AF_INET, host.c_str(), &ipv4) == 1);
}

HostResolver::HostResolver(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HostResolver::~HostResolver() = default;

const HostResolver::Answer* HostResolver::cached(const std::string& host, Clock::time_point now) {
  auto found = impl_->cache.find(host);
  if (found == impl_->cache.end()) return nullptr;
  if (found->second.expires <= now) {
    impl_->cache.erase(found);
    return nullptr;
  }
  return &found->second.answer;
}

HostResolver::Ticket HostResolver::lookup(const std::string& host, Clock::time_point deadline) {
  const Ticket ticket = impl_->next_ticket++;
  impl_->waiters.emplace(ticket, Impl::Waiter{host, Clock::now(), deadline});
  impl_->deadlines.emplace(deadline, ticket);
  auto [waiting, first] = impl_->lookups.try_emplace(host);
  waiting->second.tickets.push_back(ticket);
  if (first) {
    impl_->queued.push_back(host);
    impl_->sendQueued();
  }
  return ticket;
}

std::size_t HostResolver::waiting() const noexcept {
  return impl_->waiters.size() + impl_->completed.size();
}

std::size_t HostResolver::cacheSize() const noexcept { return impl_->cache.size(); }

void HostResolver::addWaits(std::vector<WaitFd>& waits) const { impl_->channel->addWaits(waits); }

std::chrono::milliseconds HostResolver::nextWake(std::chrono::milliseconds cap) const {
  auto wait = cap;
  if (!impl_->deadlines.empty()) {
    wait = std::min(wait, std::max(std::chrono::milliseconds(0),
                                   std::chrono::ceil<std::chrono::milliseconds>(
                                       impl_->deadlines.begin()->first - Clock::now())));
  }
  if (impl_->on_the_wire > 0) wait = std::min(wait, impl_->channel->nextWake(cap));
  return wait;
}

void HostResolver::process(const std::vector<WaitFd>& waits,
                           std::vector<std::pair<Ticket, Answer>>& done) {
  if (impl_->on_the_wire > 0) impl_->channel->process(waits);
  impl_->expire(Clock::now());
  impl_->sendQueued();  // names whose waiters all gave up leave the queue
  for (auto& answer : impl_->completed) done.push_back(std::move(answer));
  impl_->completed.clear();
}

}  // namespace webmon::producer
