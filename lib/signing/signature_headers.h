// The signature headers of one delivery attempt, from every key a webhook holds:
//
//   webhook-signature: v1,<current> v1,<previous 1> ... v1a,<ed25519>
//   x-signature:       <hex HMAC of the body with the current secret>
//
// Standard Webhooks receivers accept a delivery when any entry verifies, so a secret is
// rotated without downtime by sending the old one's signature beside the new one's until it
// expires, and an ed25519 key ("v1a") lets receivers verify with a public key.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "signing/ed25519.h"
#include "signing/signature.h"

namespace hookd::signing {

// A secret being rotated out: signed with until expires_unix_ms (exclusive).
struct PreviousKey {
  SigningKey key;
  std::int64_t expires_unix_ms = 0;
};

struct SignatureHeaders {
  std::string webhook_signature;  // empty: send no `webhook-signature` header
  std::string x_signature;        // empty: send no `x-signature` header
};

// The headers for a delivery of `body` with id `msg_id` and `webhook-timestamp`
// `unix_seconds`, attempted at `now_unix_ms`:
// - v1 entries only when `current` is set: the current secret's first, then each previous
//   secret's that has not expired at `now_unix_ms`, in the order configured;
// - a v1a entry last when `asymmetric` is set;
// - x-signature from the current secret only.
// A webhook with neither a secret nor a signing key gets both fields empty.
SignatureHeaders signature_headers(SigningKeyView current, std::span<const PreviousKey> previous,
                                   const std::optional<Ed25519Key>& asymmetric, std::string_view msg_id,
                                   std::int64_t unix_seconds, std::string_view body, std::int64_t now_unix_ms);

}  // namespace hookd::signing
