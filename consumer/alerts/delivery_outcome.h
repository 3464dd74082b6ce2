#pragma once
// How one delivery attempt went, whatever carried it (HTTP or SMTP).

#include <string>

namespace webmon::consumer::alerts {

struct DeliveryOutcome {
  bool delivered = false;  // a 2xx HTTP answer, or the SMTP server took the message
  long status = 0;         // the last HTTP status or SMTP reply code; 0: no answer at all
  std::string error;       // why not delivered, for logs and the outbox row (no URL in it)
};

}  // namespace webmon::consumer::alerts
