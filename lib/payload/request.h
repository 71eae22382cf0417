// The HTTP request of one delivery attempt: the shared body, the Standard Webhooks headers and
// every signature the webhook's keys give (signing/signature_headers.h), stamped with the
// moment the attempt goes out (docs/contract.md lists the headers).
#pragma once

#include "delivery/types.h"
#include "subscriptions/subscription.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace hookd::payload {

struct AttemptInfo {
  std::string_view delivery_id;  // webhook-id: the same for every attempt of a delivery
  std::string_view event_type;
  int number = 1;                // x-blue-attempt
};

// `now_unix_ms` is both the webhook-timestamp (in seconds) and the moment previous secrets'
// expiry is checked against.
delivery::Request build_request(const subscriptions::Subscription& webhook, const AttemptInfo& attempt,
                                std::shared_ptr<const std::string> body, std::string_view user_agent,
                                std::int64_t now_unix_ms);

// Whether build_request for the same webhook (the same object: no secret, key or URL changed)
// would give the same headers at `now_unix_ms` as it gave at `built_unix_ms`: the same second
// of webhook-timestamp and no previous secret expired in between. A request that waited in
// its origin's queue for less than that is sent as it was signed, not signed twice.
bool same_request_at(const subscriptions::Subscription& webhook, std::int64_t built_unix_ms, std::int64_t now_unix_ms);

}  // namespace hookd::payload
