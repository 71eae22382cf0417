#include "payload/request.h"

#include <charconv>
#include <iterator>

#include "signing/signature_headers.h"

namespace hookd::payload {

delivery::Request build_request(const subscriptions::Subscription& webhook, const AttemptInfo& attempt,
                                std::shared_ptr<const std::string> body, std::string_view user_agent,
                                std::int64_t now_unix_ms) {
  delivery::Request request;
  request.url = webhook.url();
  request.target = delivery::TargetUrl{webhook.https(), std::string(webhook.host()), webhook.port(),
                                       std::string(webhook.target()), webhook.origin()};
  request.body = std::move(body);
  const std::int64_t timestamp = now_unix_ms / 1000;
  signing::SignatureHeaders signatures =
      signing::signature_headers(webhook.signing_key(), webhook.previous_keys(), webhook.ed25519_key(),
                                 attempt.delivery_id, timestamp, *request.body, now_unix_ms);
  char timestamp_digits[24];
  const std::string_view timestamp_text(timestamp_digits,
                                        std::to_chars(std::begin(timestamp_digits), std::end(timestamp_digits), timestamp).ptr);
  char attempt_digits[24];
  const std::string_view attempt_text(attempt_digits,
                                      std::to_chars(std::begin(attempt_digits), std::end(attempt_digits), attempt.number).ptr);
  auto& h = request.headers;
  // Room for every line at once: the names, ": " and CRLF of nine lines, the content type and
  // the two numbers take at most 203 bytes; the rest are the values below.
  h.reserve(208 + user_agent.size() + attempt.delivery_id.size() + signatures.webhook_signature.size() +
            signatures.x_signature.size() + attempt.event_type.size() + webhook.id().size());
  h.add("content-type", "application/json");
  h.add("user-agent", user_agent);
  h.add("webhook-id", attempt.delivery_id);
  h.add("webhook-timestamp", timestamp_text);
  if (!signatures.webhook_signature.empty()) h.add("webhook-signature", signatures.webhook_signature);
  if (!signatures.x_signature.empty()) h.add("x-signature", signatures.x_signature);
  h.add("x-blue-event", attempt.event_type);
  h.add("x-blue-webhook-id", webhook.id());
  h.add("x-blue-attempt", attempt_text);
  return request;
}

bool same_request_at(const subscriptions::Subscription& webhook, std::int64_t built_unix_ms, std::int64_t now_unix_ms) {
  if (built_unix_ms / 1000 != now_unix_ms / 1000) return false;
  for (const auto& old : webhook.previous_keys()) {
    // signature_headers signs with a previous key while now < expiry.
    if (old.expires_unix_ms > built_unix_ms && old.expires_unix_ms <= now_unix_ms) return false;
  }
  return true;
}

}  // namespace hookd::payload
