// libFuzzer target: the dns prober's answer parser, which walks a DNS reply from the network
// by hand for CNAME records and through c-ares' parsers for the others. Any bytes must give an
// answer or a c-ares status, never a read past the reply (ASan), at most kMaxDnsAnswers
// answers, and answers that are valid UTF-8 (they go into a PostgreSQL text[] column).
// Built by scripts/fuzz.sh.

#include <ares.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/probe_report.h"
#include "common/utf8.h"
#include "producer/dns_answers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace webmon;
  if (size > 65535) return 0;  // a DNS message is at most 64 KiB
  for (const auto record : {common::DnsRecord::A, common::DnsRecord::AAAA, common::DnsRecord::CNAME,
                            common::DnsRecord::MX, common::DnsRecord::TXT}) {
    std::vector<std::string> answers;
    const int status = producer::parseAnswers(record, data, static_cast<int>(size), answers);
    if (status == ARES_SUCCESS && answers.empty()) std::abort();  // success means answers
    if (answers.size() > common::kMaxDnsAnswers) std::abort();
    for (const auto& answer : answers) {
      if (common::escapeInvalidUtf8(answer) != answer) std::abort();
    }
  }
  return 0;
}
