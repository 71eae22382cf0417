// Standard Webhooks' asymmetric scheme: an ed25519 key given as "whsk_<base64>" signs
// "<webhook-id>.<webhook-timestamp>.<body>", sent as a "v1a,<base64 signature>" entry of
// `webhook-signature`; receivers verify with "whpk_<base64 public key>" and hold no secret.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY; OpenSSL stays out of this header

namespace hookd::signing {

// Immutable once loaded. Copies share one OpenSSL key, which several threads may sign with
// at once: each signature uses its own EVP_MD_CTX and never modifies the key.
class Ed25519Key {
 public:
  // "whsk_" + base64 of the 32-byte private key, or of the 64-byte private-and-public form
  // (private || public, as libsodium and the Standard Webhooks libraries write it), whose
  // public half must belong to the private half. nullopt on anything else.
  static std::optional<Ed25519Key> from_whsk(std::string_view text);

  // "whpk_" + base64 of the 32-byte public key: what a receiver verifies with.
  std::string public_key_whpk() const;

  // The 64-byte ed25519 signature of `message`.
  std::string sign(std::string_view message) const;

  // Appends "v1a,<base64 signature of "<msg_id>.<timestamp>.<body>">" to `out`. Throws
  // std::runtime_error only if OpenSSL itself fails (allocation), never on input.
  void append_v1a(std::string& out, std::string_view msg_id, std::string_view timestamp,
                  std::string_view body) const;

 private:
  explicit Ed25519Key(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
};

// "whpk_..." for a "whsk_..." key; nullopt when `whsk` is not a valid signing key.
std::optional<std::string> derive_public_key(std::string_view whsk);

// "v1a,<base64 signature>" alone, for tests and tools.
std::string standard_webhooks_v1a(const Ed25519Key& key, std::string_view msg_id, std::int64_t unix_seconds,
                                  std::string_view body);

}  // namespace hookd::signing
