#include "producer/curl_prober.h"

#include <curl/curl.h>

#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "producer/curl_options.h"
#include "producer/curl_transfer.h"
#include "producer/host_resolver.h"

namespace webmon::producer {

struct CurlProber::Impl {
  std::string user_agent;
  // Keyed by the pointer libcurl hands back in CURLINFO_PRIVATE, so finishing is O(1).
  std::unordered_map<Transfer*, std::unique_ptr<Transfer>> transfers;
  std::vector<ProbeResult> refused_results;  // finishRefused's, for the next poll
  std::vector<CurlEasyPtr> idle_handles;     // reused: creating a handle costs more than resetting
  CurlMultiPtr multi{curl_multi_init()};

  ~Impl() {
    // libcurl wants every easy handle removed before curl_multi_cleanup (the member
    // destructors run after this body: multi first, then the easy handles).
    for (auto& [unused, transfer] : transfers) {
      curl_multi_remove_handle(multi.get(), transfer->easy.get());
    }
  }

  CurlEasyPtr takeHandle() {
    if (!idle_handles.empty()) {
      CurlEasyPtr easy = std::move(idle_handles.back());
      idle_handles.pop_back();
      curl_easy_reset(easy.get());
      return easy;
    }
    CurlEasyPtr easy{curl_easy_init()};
    if (!easy) throw std::runtime_error("curl_easy_init failed (out of memory?)");
    return easy;
  }

  // Probes connected for an exchange (tcp/tls with send or regexp), in the order they began.
  std::vector<Transfer*> conversations;

  // CURLOPT_RESOLVE puts an entry in the multi handle's DNS cache that stays until removed,
  // and libcurl walks that whole cache after every transfer (to prune it): it must hold only
  // what is in flight. So the transfers using each host:port are counted, and an entry no
  // transfer uses is removed ("-host:port") in the list of the next transfer to start.
  std::unordered_map<std::string, int> resolve_users;
  std::vector<std::string> resolve_unused;

  void useResolved(Transfer& transfer, const ResolvedHost& resolved) {
    const common::MonitoredUrl& url = *transfer.start.url;
    transfer.resolve_key = url.host + ":" + std::to_string(url.port);
    transfer.lookup_ms = resolved.lookup_ms;
    transfer.dns_cached = resolved.cached;
    ++resolve_users[transfer.resolve_key];
    for (const auto& unused : resolve_unused) {
      if (resolve_users.count(unused) == 0) appendLine(transfer.resolve, "-" + unused);
    }
    resolve_unused.clear();
    appendLine(transfer.resolve, transfer.resolve_key + ":" + *resolved.addresses);
  }

  void releaseResolved(const Transfer& transfer) {
    if (transfer.resolve_key.empty()) return;
    auto users = resolve_users.find(transfer.resolve_key);
    if (users == resolve_users.end() || --users->second > 0) return;
    resolve_users.erase(users);
    resolve_unused.push_back(transfer.resolve_key);
  }

  // Sets up `transfer` (its ProbeStart filled in) and adds it to the multi handle.
  void start(std::unique_ptr<Transfer> transfer, const ResolvedHost* resolved);

  static bool needsExchange(const common::MonitoredUrl& url) {
    return (url.type == common::ProbeType::Tcp || url.type == common::ProbeType::Tls) &&
           (!url.send.empty() || url.regexp);
  }

  // The connection is up: start the exchange. The easy handle stays in the multi handle, or
  // curl_easy_send/recv would stop working.
  void beginExchange(Transfer* transfer) {
    transfer->conversing = true;
    transfer->deadline = transfer->start.started + transfer->start.url->timeout;
    transfer->body_limit = transfer->start.url->max_body_bytes;
    curl_easy_getinfo(transfer->easy.get(), CURLINFO_ACTIVESOCKET, &transfer->socket);
    conversations.push_back(transfer);
  }

  // Sends what is left of `send`, then reads until the regexp matches, the server closes,
  // the body limit is reached or the deadline passes. Returns the probe's code once it is
  // over, nothing while it goes on.
  std::optional<CURLcode> advanceExchange(Transfer& transfer, ProbeScheduler::TimePoint now) {
    CURL* easy = transfer.easy.get();
    const common::MonitoredUrl& url = *transfer.start.url;
    while (transfer.sent < url.send.size()) {
      std::size_t written = 0;
      const CURLcode code = curl_easy_send(easy, url.send.data() + transfer.sent,
                                           url.send.size() - transfer.sent, &written);
      if (code == CURLE_AGAIN) break;
      if (code != CURLE_OK) {
        transfer.failure = std::string("sending failed: ") + curl_easy_strerror(code);
        return CURLE_SEND_ERROR;
      }
      transfer.sent += written;
    }
    if (transfer.sent == url.send.size()) {
      if (!url.regexp) return CURLE_OK;  // said it; nothing to wait for
      char buffer[16 * 1024];
      for (;;) {
        const std::size_t room = transfer.body_limit - transfer.body.size();
        std::size_t received = 0;
        const CURLcode code =
            curl_easy_recv(easy, buffer, std::min(sizeof buffer, room + 1), &received);
        if (code == CURLE_AGAIN) break;
        if (code != CURLE_OK) {
          transfer.failure = std::string("receiving failed: ") + curl_easy_strerror(code);
          return CURLE_RECV_ERROR;
        }
        if (received == 0) return CURLE_OK;  // the server closed: judge what it sent
        if (transfer.first_byte_ms == 0) {
          transfer.first_byte_ms =
              std::chrono::duration<double, std::milli>(now - transfer.start.started).count();
        }
        transfer.body.append(buffer, std::min(received, room));
        if (received > room) {
          transfer.body_truncated = true;
          return CURLE_OK;
        }
        if (url.regexp->search(transfer.body)) return CURLE_OK;
      }
    }
    if (now >= transfer.deadline) {
      transfer.failure = transfer.sent < url.send.size()
                             ? "timed out sending " + std::to_string(url.send.size()) + " bytes"
                             : "timed out waiting for the regexp: not in the " +
                                   std::to_string(transfer.body.size()) + " bytes received";
      return CURLE_OPERATION_TIMEDOUT;
    }
    return std::nullopt;
  }

  // A transfer that never started (an option refused): its result is handed out by the next
  // poll, as if libcurl had failed it at once.
  void finishRefused(std::unique_ptr<Transfer> transfer, CURLcode code) {
    ProbeResult result;
    static_cast<ProbeStart&>(result) = std::move(transfer->start);
    result.curl_code = code;
    result.total_ms = transfer->lookup_ms;
    result.dns_cached = transfer->dns_cached;
    result.error_detail = transfer->failure;
    refused_results.push_back(std::move(result));
    releaseResolved(*transfer);
    idle_handles.push_back(std::move(transfer->easy));
  }

  void finish(CURL* easy, CURLcode code, std::vector<ProbeResult>& finished) {
    Transfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    if (code == CURLE_OK && !transfer->conversing && needsExchange(*transfer->start.url)) {
      beginExchange(transfer);
      return;
    }
    ProbeResult result;
    static_cast<ProbeStart&>(result) = std::move(transfer->start);
    // Stopping at the body limit was our doing, not a failure of the target.
    if (code == CURLE_WRITE_ERROR && transfer->body_truncated) code = CURLE_OK;
    result.curl_code = code;
    result.body = std::move(transfer->body);
    result.body_truncated = transfer->body_truncated;
    result.cert_expires_at = leafCertificateExpiry(easy);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &result.http_status);
    auto millis = [easy](CURLINFO info) {
      curl_off_t us = 0;
      curl_easy_getinfo(easy, info, &us);
      return static_cast<double>(us) / 1000.0;
    };
    // libcurl's clock started after our lookup (if there was one): its phases come after it.
    const double before = transfer->lookup_ms;
    auto after = [before](double ms) { return ms > 0 ? before + ms : 0.0; };
    result.total_ms = before + millis(CURLINFO_TOTAL_TIME_T);
    result.dns_done_ms = after(millis(CURLINFO_NAMELOOKUP_TIME_T));
    result.connect_done_ms = after(millis(CURLINFO_CONNECT_TIME_T));
    result.tls_done_ms = after(millis(CURLINFO_APPCONNECT_TIME_T));
    result.first_byte_ms = after(millis(CURLINFO_STARTTRANSFER_TIME_T));
    result.dns_cached = transfer->dns_cached;
    if (transfer->conversing) {
      // libcurl's clock stopped at the connect; the exchange came after.
      result.total_ms = std::chrono::duration<double, std::milli>(ProbeScheduler::Clock::now() -
                                                                  transfer->start.started)
                            .count();
      result.first_byte_ms = transfer->first_byte_ms;
    }
    if (!transfer->failure.empty()) {
      result.error_detail = transfer->failure;
    } else if (code != CURLE_OK) {
      result.error_detail =
          transfer->error_buffer[0] != '\0' ? transfer->error_buffer : curl_easy_strerror(code);
    }
    finished.push_back(std::move(result));

    releaseResolved(*transfer);
    curl_multi_remove_handle(multi.get(), easy);
    idle_handles.push_back(std::move(transfer->easy));
    transfers.erase(transfer);
  }
};

void CurlProber::Impl::start(std::unique_ptr<Transfer> transfer, const ResolvedHost* resolved) {
  const common::MonitoredUrl& url = *transfer->start.url;
  CURL* easy = transfer->easy.get();
  EasyOptions options(easy);
  setTarget(options, *transfer, url, resolved != nullptr ? resolved->lookup_ms : 0.0);
  options.set(CURLOPT_USERAGENT, user_agent.c_str());
  // libcurl prunes its DNS cache after every transfer by walking all of it, unless the cache
  // timeout is -1 ("for ever"): 60 % of the producer's CPU with 12,000 names. A transfer that
  // needs no lookup from libcurl (the host resolved by us, or an address) takes -1, and the
  // entries it uses are removed by us once unused (resolve_users). One that may (a redirect
  // it follows) takes 0: libcurl then looks names up afresh and keeps none.
  const bool libcurl_resolves =
      url.follow_redirects || (resolved == nullptr && !isAddress(url.host));
  options.set(CURLOPT_DNS_CACHE_TIMEOUT, libcurl_resolves ? 0L : -1L);
  if (resolved != nullptr) {
    useResolved(*transfer, *resolved);
    options.set(CURLOPT_RESOLVE, transfer->resolve.get());
  }
  // Availability, not a warm pool: every probe opens and closes its own connection.
  options.set(CURLOPT_FRESH_CONNECT, 1L);
  // ... except an exchange's connection, which must outlive the connect for curl_easy_send
  // and recv (libcurl closes a forbid-reuse connection when the connect is done). Connect-only
  // connections are never reused anyway.
  if (!needsExchange(url)) options.set(CURLOPT_FORBID_REUSE, 1L);
  setTls(options, url);
  setRequest(options, *transfer, url);
  options.set(CURLOPT_ERRORBUFFER, transfer->error_buffer);
  options.set(CURLOPT_PRIVATE, transfer.get());
  if (options.refused() != CURLE_OK) {
    transfer->failure = options.describeRefusal();
    finishRefused(std::move(transfer), options.refused());
    return;
  }
  const CURLMcode added = curl_multi_add_handle(multi.get(), easy);
  if (added != CURLM_OK) {
    throw std::runtime_error(std::string("curl_multi_add_handle failed: ") +
                             curl_multi_strerror(added));
  }
  Transfer* key = transfer.get();
  transfers.emplace(key, std::move(transfer));
}

CurlProber::CurlProber(std::string user_agent) : impl_(std::make_unique<Impl>()) {
  if (!impl_->multi) throw std::runtime_error("curl_multi_init failed");
  impl_->user_agent = std::move(user_agent);
}

CurlProber::~CurlProber() = default;

std::size_t CurlProber::inFlight() const noexcept {
  return impl_->transfers.size() + impl_->refused_results.size();
}

void CurlProber::start(std::size_t target, std::shared_ptr<const common::MonitoredUrl> probed,
                       ProbeScheduler::TimePoint planned, int attempt) {
  auto transfer = std::make_unique<Transfer>();
  transfer->easy = impl_->takeHandle();
  transfer->start = ProbeStart::now(target, std::move(probed), planned, attempt);
  impl_->start(std::move(transfer), nullptr);
}

void CurlProber::start(ProbeStart begun, const ResolvedHost& resolved) {
  auto transfer = std::make_unique<Transfer>();
  transfer->easy = impl_->takeHandle();
  transfer->start = std::move(begun);
  impl_->start(std::move(transfer), &resolved);
}

void CurlProber::poll(std::chrono::milliseconds timeout, const std::vector<int>& wake_fds,
                      std::vector<ProbeResult>& finished) {
  std::vector<WaitFd> extra;
  for (const int fd : wake_fds) {
    if (fd >= 0) extra.push_back(WaitFd{fd, true, false});
  }
  poll(timeout, extra, finished);
}

void CurlProber::poll(std::chrono::milliseconds timeout, std::vector<WaitFd>& extra,
                      std::vector<ProbeResult>& finished) {
  std::vector<curl_waitfd> waits;
  waits.reserve(extra.size() + impl_->conversations.size());
  for (const auto& wait : extra) {
    const short events = static_cast<short>((wait.want_read ? CURL_WAIT_POLLIN : 0) |
                                            (wait.want_write ? CURL_WAIT_POLLOUT : 0));
    waits.push_back(curl_waitfd{wait.fd, events, 0});
  }
  // The exchanges' sockets (readiness is only a hint: every exchange is advanced after the
  // poll, and TLS may have buffered data the socket does not show).
  const auto now = ProbeScheduler::Clock::now();
  for (const Transfer* transfer : impl_->conversations) {
    const bool sending = transfer->sent < transfer->start.url->send.size();
    waits.push_back(curl_waitfd{
        transfer->socket, static_cast<short>(sending ? CURL_WAIT_POLLOUT : CURL_WAIT_POLLIN), 0});
    timeout = std::min(
        timeout, std::max(std::chrono::milliseconds(0),
                          std::chrono::ceil<std::chrono::milliseconds>(transfer->deadline - now)));
  }
  if (!impl_->refused_results.empty()) {
    for (auto& result : impl_->refused_results) finished.push_back(std::move(result));
    impl_->refused_results.clear();
    timeout = std::chrono::milliseconds(0);  // a result is ready: do not sleep on the others
  }
  int ready = 0;
  curl_multi_poll(impl_->multi.get(), waits.empty() ? nullptr : waits.data(),
                  static_cast<unsigned>(waits.size()), static_cast<int>(timeout.count()), &ready);
  for (std::size_t i = 0; i < extra.size(); ++i) {
    // An error or hang-up counts as readable: reading is how the owner learns of it.
    extra[i].ready_read =
        (waits[i].revents & (CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI)) != 0 ||
        (waits[i].revents & ~(CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI | CURL_WAIT_POLLOUT)) != 0;
    extra[i].ready_write = (waits[i].revents & CURL_WAIT_POLLOUT) != 0;
  }
  int running = 0;
  curl_multi_perform(impl_->multi.get(), &running);
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(impl_->multi.get(), &queued)) {
    if (message->msg == CURLMSG_DONE) {
      impl_->finish(message->easy_handle, message->data.result, finished);
    }
  }
  // Every exchange gets a turn, those that just began included: they send (and may hear
  // back) without waiting for the next poll.
  auto& conversations = impl_->conversations;
  for (std::size_t i = 0; i < conversations.size();) {
    Transfer* transfer = conversations[i];
    if (auto code = impl_->advanceExchange(*transfer, ProbeScheduler::Clock::now())) {
      conversations.erase(conversations.begin() + static_cast<std::ptrdiff_t>(i));
      impl_->finish(transfer->easy.get(), *code, finished);
    } else {
      ++i;
    }
  }
}

}  // namespace webmon::producer
