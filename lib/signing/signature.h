// The two signatures hookd puts on a delivery.
//
// - `webhook-signature` (Standard Webhooks, https://www.standardwebhooks.com):
//   "v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>", where key is
//   the base64-decoded remainder of a `whsec_` secret, else the secret's bytes.
// - `x-signature` (Blue's documented header): lowercase hex HMAC-SHA256(secret bytes, body).
//
// A subscription keeps its current secret only, and the Standard Webhooks key is derived while
// signing (HmacKey, a few tens of nanoseconds against two HMACs over the body); a SigningKey,
// which holds both, is built once for each previous secret when its record is read.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::signing {

// What a signature is made with: views of a SigningKey, or of a subscription's own text.
struct SigningKeyView {
  std::string_view secret;  // the subscription's secret as configured: Blue's x-signature key
  // The Standard Webhooks key derived from it; nullopt = derive it while signing (HmacKey):
  // a subscription keeps its secret only, since every byte it holds is paid a million times
  // over (docs/benchmarks.md, "The compact subscription").
  std::optional<std::string_view> hmac_key;

  // An empty secret means the webhook is unsigned: send no signature headers.
  bool empty() const { return secret.empty(); }
};

// The Standard Webhooks key of a secret, as make_signing_key derives it: the decoded bytes of
// a `whsec_` secret, else the secret's own. Decoded into the object itself, without a heap
// allocation, for keys of up to 96 bytes (Standard Webhooks keys have 24 to 64).
class HmacKey {
 public:
  explicit HmacKey(std::string_view secret);
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;

  std::string_view bytes() const { return bytes_; }

 private:
  std::array<char, 96> inline_;
  std::string spilled_;  // a longer key
  std::string_view bytes_;
};

struct SigningKey {
  std::string secret;
  std::string hmac_key;

  bool empty() const { return secret.empty(); }
  operator SigningKeyView() const { return {secret, hmac_key}; }
};

// "whsec_<base64>" -> hmac_key = decoded bytes. If the remainder is not valid base64 the
// whole secret's bytes are the key (what a receiver that treats the secret as opaque does);
// any other secret is used as is.
SigningKey make_signing_key(std::string_view secret);

// "v1,<base64 signature>" for the `webhook-signature` header.
std::string standard_webhooks_signature(SigningKeyView key, std::string_view msg_id,
                                        std::int64_t unix_seconds, std::string_view body);

// Appends the same "v1,<base64 signature>" to `out`, with the timestamp already as text.
void append_standard_webhooks_signature(std::string& out, SigningKeyView key, std::string_view msg_id,
                                        std::string_view timestamp, std::string_view body);

// 64 lowercase hex characters for the `x-signature` header.
std::string blue_signature_hex(SigningKeyView key, std::string_view body);

}  // namespace hookd::signing
