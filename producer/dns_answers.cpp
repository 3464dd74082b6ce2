#include "producer/dns_answers.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <string_view>

#include "common/probe_report.h"
#include "common/utf8.h"

namespace webmon::producer {

namespace {

int parseRecords(common::DnsRecord record, const unsigned char* reply, int length,
                 std::vector<std::string>& answers) {
  char text[INET6_ADDRSTRLEN] = {};
  switch (record) {
    case common::DnsRecord::A: {
      ares_addrttl addresses[common::kMaxDnsAnswers];
      int count = static_cast<int>(common::kMaxDnsAnswers);
      hostent* host = nullptr;
      const int status = ares_parse_a_reply(reply, length, &host, addresses, &count);
      if (host != nullptr) ares_free_hostent(host);
      for (int i = 0; status == ARES_SUCCESS && i < count; ++i) {
        answers.emplace_back(inet_ntop(AF_INET, &addresses[i].ipaddr, text, sizeof text));
      }
      return status;
    }
    case common::DnsRecord::AAAA: {
      ares_addr6ttl addresses[common::kMaxDnsAnswers];
      int count = static_cast<int>(common::kMaxDnsAnswers);
      hostent* host = nullptr;
      const int status = ares_parse_aaaa_reply(reply, length, &host, addresses, &count);
      if (host != nullptr) ares_free_hostent(host);
      for (int i = 0; status == ARES_SUCCESS && i < count; ++i) {
        answers.emplace_back(inet_ntop(AF_INET6, &addresses[i].ip6addr, text, sizeof text));
      }
      return status;
    }
    case common::DnsRecord::MX: {
      ares_mx_reply* list = nullptr;
      const int status = ares_parse_mx_reply(reply, length, &list);
      for (auto* mx = list; status == ARES_SUCCESS && mx != nullptr; mx = mx->next) {
        if (answers.size() == common::kMaxDnsAnswers) break;  // a report holds no more
        answers.push_back(std::to_string(mx->priority) + " " + mx->host);
      }
      if (list != nullptr) ares_free_data(list);
      return status;
    }
    case common::DnsRecord::TXT: {
      ares_txt_ext* list = nullptr;
      const int status = ares_parse_txt_reply_ext(reply, length, &list);
      // A record may hold several strings; they belong together, as one answer.
      const std::size_t first = answers.size();
      for (auto* part = list; status == ARES_SUCCESS && part != nullptr; part = part->next) {
        const bool starts_answer = part->record_start || answers.size() == first;
        if (starts_answer && answers.size() == common::kMaxDnsAnswers) break;
        const std::string_view bytes(reinterpret_cast<const char*>(part->txt), part->length);
        // TXT data is bytes: keep it printable and safe for a PostgreSQL text column.
        std::string safe = common::escapeInvalidUtf8(bytes);
        if (starts_answer) {
          answers.push_back(std::move(safe));
        } else {
          answers.back() += safe;
        }
      }
      if (list != nullptr) ares_free_data(list);
      return status;
    }
    case common::DnsRecord::CNAME: {
      // c-ares 1.18 has no CNAME parser: walk the answer section with its name decoder.
      if (length < 12) return ARES_EBADRESP;
      const int questions = (reply[4] << 8) | reply[5];
      const int records = (reply[6] << 8) | reply[7];
      const unsigned char* at = reply + 12;
      const unsigned char* end = reply + length;
      auto skipName = [&]() {
        char* name = nullptr;
        long used = 0;
        if (ares_expand_name(at, reply, length, &name, &used) != ARES_SUCCESS) return false;
        ares_free_string(name);
        at += used;
        return at <= end;
      };
      for (int i = 0; i < questions; ++i) {
        if (!skipName() || end - at < 4) return ARES_EBADRESP;
        at += 4;  // type, class
      }
      for (int i = 0; i < records; ++i) {
        if (!skipName() || end - at < 10) return ARES_EBADRESP;
        const int type = (at[0] << 8) | at[1];
        const int data_length = (at[8] << 8) | at[9];
        at += 10;
        if (end - at < data_length) return ARES_EBADRESP;
        if (type == 5 && answers.size() < common::kMaxDnsAnswers) {
          char* target = nullptr;
          long used = 0;
          if (ares_expand_name(at, reply, length, &target, &used) != ARES_SUCCESS) {
            return ARES_EBADRESP;
          }
          answers.emplace_back(target);
          ares_free_string(target);
        }
        at += data_length;
      }
      return answers.empty() ? ARES_ENODATA : ARES_SUCCESS;
    }
  }
  return ARES_EBADRESP;
}

}  // namespace

DnsOutcome outcomeOf(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS:
      return DnsOutcome::Answered;
    case ARES_ENOTFOUND:
      return DnsOutcome::NoSuchName;
    case ARES_ENODATA:
      return DnsOutcome::NoData;
    case ARES_ESERVFAIL:
    case ARES_EBADRESP:
    case ARES_EFORMERR:
      return DnsOutcome::ServerFailure;
    case ARES_EREFUSED:
    case ARES_ECONNREFUSED:
      return DnsOutcome::Refused;
    case ARES_ETIMEOUT:
      return DnsOutcome::TimedOut;
    default:
      return DnsOutcome::Failed;
  }
}

int parseAnswers(common::DnsRecord record, const unsigned char* reply, int length,
                 std::vector<std::string>& answers) {
  const std::size_t before = answers.size();
  const int status = parseRecords(record, reply, length, answers);
  // c-ares' parsers call a reply without a record of the type asked for (a CNAME whose target
  // has none, say) a success with nothing in it: that is no data (the fuzzer found it, and a
  // dns probe reported such a name up with no answers).
  if (status == ARES_SUCCESS && answers.size() == before) return ARES_ENODATA;
  return status;
}

}  // namespace webmon::producer
