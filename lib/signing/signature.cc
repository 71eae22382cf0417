#include "signing/signature.h"

#include <charconv>

#include "signing/base64.h"
#include "signing/hmac.h"

namespace hookd::signing {
namespace {

constexpr std::string_view kWhsecPrefix = "whsec_";

}  // namespace

HmacKey::HmacKey(std::string_view secret) : bytes_(secret) {
  if (!secret.starts_with(kWhsecPrefix)) return;
  const std::string_view encoded = secret.substr(kWhsecPrefix.size());
  if (base64_decoded_size_bound(encoded.size()) <= inline_.size()) {
    if (const auto size = base64_decode_into(encoded, inline_)) bytes_ = {inline_.data(), *size};
  } else if (auto decoded = base64_decode(encoded)) {
    spilled_ = std::move(*decoded);
    bytes_ = spilled_;
  }
}

SigningKey make_signing_key(std::string_view secret) {
  return {std::string(secret), std::string(HmacKey(secret).bytes())};
}

void append_standard_webhooks_signature(std::string& out, SigningKeyView key, std::string_view msg_id,
                                        std::string_view timestamp, std::string_view body) {
  const auto sign = [&](std::string_view hmac_key) { return hmac_sha256(hmac_key, {msg_id, ".", timestamp, ".", body}); };
  const Sha256Digest mac = key.hmac_key ? sign(*key.hmac_key) : sign(HmacKey(key.secret).bytes());
  out.append("v1,");
  append_base64(out, mac);
}

std::string standard_webhooks_signature(SigningKeyView key, std::string_view msg_id,
                                        std::int64_t unix_seconds, std::string_view body) {
  char timestamp[24];
  const auto [end, ec] = std::to_chars(timestamp, timestamp + sizeof(timestamp), unix_seconds);
  (void)ec;  // 24 bytes hold any int64
  const std::string_view timestamp_text(timestamp, static_cast<std::size_t>(end - timestamp));

  std::string out;
  out.reserve(3 + 44);  // "v1," + base64 of 32 bytes
  append_standard_webhooks_signature(out, key, msg_id, timestamp_text, body);
  return out;
}

std::string blue_signature_hex(SigningKeyView key, std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  const Sha256Digest mac = hmac_sha256(key.secret, {body});
  std::string out(mac.size() * 2, '\0');
  for (std::size_t i = 0; i < mac.size(); ++i) {
    out[2 * i] = kHex[mac[i] >> 4];
    out[2 * i + 1] = kHex[mac[i] & 0x0f];
  }
  return out;
}

}  // namespace hookd::signing
