#include "payload/request.h"

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
  auto& h = request.headers;
  h.reserve(9);
  h.emplace_back("content-type", "application/json");
  h.emplace_back("user-agent", user_agent);
  h.emplace_back("webhook-id", attempt.delivery_id);
  const std::int64_t timestamp = now_unix_ms / 1000;
  h.emplace_back("webhook-timestamp", std::to_string(timestamp));
  signing::SignatureHeaders signatures =
      signing::signature_headers(webhook.signing_key(), webhook.previous_keys(), webhook.ed25519_key(),
                                 attempt.delivery_id, timestamp, *request.body, now_unix_ms);
  if (!signatures.webhook_signature.empty()) h.emplace_back("webhook-signature", std::move(signatures.webhook_signature));
  if (!signatures.x_signature.empty()) h.emplace_back("x-signature", std::move(signatures.x_signature));
  h.emplace_back("x-blue-event", attempt.event_type);
  h.emplace_back("x-blue-webhook-id", webhook.id());
  h.emplace_back("x-blue-attempt", std::to_string(attempt.number));
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
