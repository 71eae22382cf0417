#include "signing/signature_headers.h"

#include <charconv>

namespace hookd::signing {
namespace {

constexpr std::size_t kV1EntrySize = 3 + 44;  // "v1," + base64 of a 32-byte HMAC
constexpr std::size_t kV1aEntrySize = 4 + 88;  // "v1a," + base64 of a 64-byte signature

}  // namespace

SignatureHeaders signature_headers(SigningKeyView current, std::span<const PreviousKey> previous,
                                   const std::optional<Ed25519Key>& asymmetric, std::string_view msg_id,
                                   std::int64_t unix_seconds, std::string_view body, std::int64_t now_unix_ms) {
  SignatureHeaders headers;
  if (current.empty() && !asymmetric) return headers;

  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), unix_seconds);
  (void)ec;  // 24 bytes hold any int64
  const std::string_view timestamp(buffer, static_cast<std::size_t>(end - buffer));

  std::string& out = headers.webhook_signature;
  out.reserve((1 + previous.size()) * (kV1EntrySize + 1) + kV1aEntrySize);
  // Previous secrets ride along with the current one only: a webhook without a current
  // secret is not HMAC-signed, and x-signature has no room for more than one key.
  if (!current.empty()) {
    append_standard_webhooks_signature(out, current, msg_id, timestamp, body);
    for (const PreviousKey& old : previous) {
      if (old.key.empty() || old.expires_unix_ms <= now_unix_ms) continue;
      out.push_back(' ');
      append_standard_webhooks_signature(out, old.key, msg_id, timestamp, body);
    }
    headers.x_signature = blue_signature_hex(current, body);
  }
  if (asymmetric) {
    if (!out.empty()) out.push_back(' ');
    asymmetric->append_v1a(out, msg_id, timestamp, body);
  }
  return headers;
}

}  // namespace hookd::signing
