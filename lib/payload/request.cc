#include "payload/request.h"

#include "signing/signature_headers.h"

namespace hookd::payload {

delivery::Request build_request(const subscriptions::Subscription& webhook, const AttemptInfo& attempt,
                                std::shared_ptr<const std::string> body, std::string_view user_agent,
                                std::int64_t now_unix_ms) {
  delivery::Request request;
  request.url = webhook.url();
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

}  // namespace hookd::payload
