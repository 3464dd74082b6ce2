#include "consumer/alerts/delivery.h"

#include "consumer/alerts/email_message.h"
#include "consumer/alerts/http_post.h"
#include "consumer/alerts/smtp_mail.h"

namespace webmon::consumer::alerts {

DeliveryOutcome deliver(const common::AlertReceiver& receiver, const Notification& notification) {
  if (receiver.type == common::ReceiverType::Email) {
    return sendMail({receiver.url, receiver.mail_from, receiver.mail_to, receiver.username,
                     receiver.password, receiver.starttls, receiver.ca_file,
                     emailMessage(receiver, notification,
                                  std::chrono::time_point_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now())),
                     receiver.timeout});
  }
  PostRequest request{receiver.url,
                      payloadFor(receiver.type, notification),
                      {{"Idempotency-Key", notification.event_id}},
                      receiver.timeout};
  if (!receiver.bearer_token.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + receiver.bearer_token);
  }
  return postJson(request);
}

}  // namespace webmon::consumer::alerts
