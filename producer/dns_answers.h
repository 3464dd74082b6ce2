#pragma once
// A DNS reply's answers as text, the way dig prints their data ("10 mail.example.com" for
// MX). The reply comes from the network: every byte is untrusted (tests/fuzz/dns_answer_fuzz
// feeds it garbage).

#include <string>
#include <vector>

#include "common/probe_enums.h"
#include "producer/probe_result.h"

namespace webmon::producer {

/// Appends the answers of type `record` in `reply` (at most common::kMaxDnsAnswers) to
/// `answers`. Returns c-ares' status: ARES_SUCCESS, or why the reply holds no such answers
/// (ARES_ENODATA, ARES_EBADRESP, ...).
int parseAnswers(common::DnsRecord record, const unsigned char* reply, int length,
                 std::vector<std::string>& answers);

/// What a c-ares status says about a lookup: the one mapping the dns prober and the host
/// resolver both use.
DnsOutcome outcomeOf(int ares_status);

}  // namespace webmon::producer
