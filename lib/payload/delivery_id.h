// The `webhook-id` header: one id per (event, webhook) pair.
#pragma once

#include <string>
#include <string_view>

namespace hookd::payload {

// "msg_" + the first 32 lowercase hex characters of SHA-256(event_id '\0' webhook_id).
// Deterministic, so every attempt and every redelivery (after a crash or a rebalance) of
// the same pair carries the same id and receivers can drop duplicates. The NUL separator
// keeps ("ab","c") and ("a","bc") apart; there is no '.' in it, as Standard Webhooks'
// signed content "<id>.<timestamp>.<body>" requires. Pass the parsed (unescaped) event id.
std::string delivery_id(std::string_view event_id, std::string_view webhook_id);

}  // namespace hookd::payload
