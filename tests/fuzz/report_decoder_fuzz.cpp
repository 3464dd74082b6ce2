// libFuzzer target: the consumer's report decoder. Any bytes must either decode to a report
// that survives an encode/decode round trip unchanged, or be rejected with a reason that is
// valid UTF-8 (it goes into a PostgreSQL text column). Built by scripts/fuzz.sh.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/probe_report.h"
#include "common/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace webmon::common;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const DecodedReport decoded = decodeReport(bytes);
  if (!decoded.report) {
    if (decoded.rejection_reason.empty()) std::abort();  // a rejection must say why
    if (escapeInvalidUtf8(decoded.rejection_reason) != decoded.rejection_reason) std::abort();
    return 0;
  }
  const DecodedReport again = decodeReport(encodeReport(*decoded.report));
  if (!again.report) std::abort();  // what we accept, we must be able to write back
  const auto& a = *decoded.report;
  const auto& b = *again.report;
  if (a.id != b.id || a.url != b.url || a.name != b.name || a.checked_at != b.checked_at ||
      a.ok != b.ok || a.http_status != b.http_status || a.producer_id != b.producer_id ||
      a.error.has_value() != b.error.has_value() || a.status() != b.status() ||
      a.timings.dns_ms.has_value() != b.timings.dns_ms.has_value() ||
      a.timings.connect_ms.has_value() != b.timings.connect_ms.has_value() ||
      a.timings.tls_ms.has_value() != b.timings.tls_ms.has_value() ||
      a.timings.ttfb_ms.has_value() != b.timings.ttfb_ms.has_value() || a.regexp != b.regexp ||
      a.regexp_found != b.regexp_found || a.body_truncated != b.body_truncated ||
      a.cert_expires_at != b.cert_expires_at || a.cert_days_left != b.cert_days_left ||
      a.type != b.type || a.dns_record != b.dns_record || a.dns_answers != b.dns_answers ||
      a.attempts.size() != b.attempts.size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < a.attempts.size(); ++i) {
    // ms is rounded to microseconds on the way out; the rest must survive exactly.
    if (a.attempts[i].at != b.attempts[i].at || a.attempts[i].ok != b.attempts[i].ok ||
        a.attempts[i].error_kind != b.attempts[i].error_kind) {
      std::abort();
    }
  }
  return 0;
}
