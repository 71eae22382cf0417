#include "signing/ed25519.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <span>
#include <charconv>
#include <stdexcept>

#include "signing/base64.h"

namespace hookd::signing {
namespace {

constexpr std::string_view kWhskPrefix = "whsk_";
constexpr std::string_view kWhpkPrefix = "whpk_";
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kSignatureBytes = 64;

using PublicKey = std::array<unsigned char, kKeyBytes>;
using Signature = std::array<unsigned char, kSignatureBytes>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

[[noreturn]] void fail(const char* what) { throw std::runtime_error(what); }

std::optional<PublicKey> raw_public_key(const EVP_PKEY* key) {
  PublicKey out{};
  std::size_t length = out.size();
  if (EVP_PKEY_get_raw_public_key(key, out.data(), &length) != 1 || length != out.size()) return std::nullopt;
  return out;
}

Signature sign_raw(EVP_PKEY* key, std::string_view message) {
  // Ed25519 has no streaming mode (it hashes the message twice), so the message is one
  // buffer and EVP_DigestSign is the one-shot call. A fresh context per signature keeps the
  // shared key untouched.
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) fail("EVP_MD_CTX_new failed");
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1) fail("ed25519 sign init failed");
  Signature signature{};
  std::size_t length = signature.size();
  if (EVP_DigestSign(ctx.get(), signature.data(), &length, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      length != signature.size()) {
    fail("ed25519 sign failed");
  }
  return signature;
}

std::string_view timestamp_text(std::int64_t unix_seconds, std::array<char, 24>& buffer) {
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), unix_seconds);
  (void)ec;  // 24 bytes hold any int64
  return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
}

}  // namespace

std::optional<Ed25519Key> Ed25519Key::from_whsk(std::string_view text) {
  if (!text.starts_with(kWhskPrefix)) return std::nullopt;
  const std::optional<std::string> bytes = base64_decode(text.substr(kWhskPrefix.size()));
  if (!bytes || (bytes->size() != kKeyBytes && bytes->size() != 2 * kKeyBytes)) return std::nullopt;
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes->data());
  std::shared_ptr<evp_pkey_st> key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw, kKeyBytes),
                                   EVP_PKEY_free);
  if (!key) return std::nullopt;
  if (bytes->size() == 2 * kKeyBytes) {
    // A 64-byte key whose public half is another key's would sign with one key while its
    // owner publishes the other: refuse it rather than send signatures nobody can verify.
    const std::optional<PublicKey> derived = raw_public_key(key.get());
    if (!derived || !std::equal(derived->begin(), derived->end(), raw + kKeyBytes)) return std::nullopt;
  }
  return Ed25519Key(std::move(key));
}

std::string Ed25519Key::public_key_whpk() const {
  const std::optional<PublicKey> key = raw_public_key(key_.get());
  if (!key) fail("EVP_PKEY_get_raw_public_key failed");
  std::string out(kWhpkPrefix);
  append_base64(out, *key);
  return out;
}

std::string Ed25519Key::sign(std::string_view message) const {
  const Signature signature = sign_raw(key_.get(), message);
  return std::string(reinterpret_cast<const char*>(signature.data()), signature.size());
}

void Ed25519Key::append_v1a(std::string& out, std::string_view msg_id, std::string_view timestamp,
                            std::string_view body) const {
  // The signed message must be contiguous; a per-thread buffer keeps that from allocating
  // once it has grown to the largest body this thread signs.
  thread_local std::string message;
  message.clear();
  message.append(msg_id).append(1, '.').append(timestamp).append(1, '.').append(body);
  const Signature signature = sign_raw(key_.get(), message);
  out.append("v1a,");
  append_base64(out, signature);
}

std::optional<std::string> derive_public_key(std::string_view whsk) {
  const std::optional<Ed25519Key> key = Ed25519Key::from_whsk(whsk);
  if (!key) return std::nullopt;
  return key->public_key_whpk();
}

std::string standard_webhooks_v1a(const Ed25519Key& key, std::string_view msg_id, std::int64_t unix_seconds,
                                  std::string_view body) {
  std::array<char, 24> buffer;
  std::string out;
  key.append_v1a(out, msg_id, timestamp_text(unix_seconds, buffer), body);
  return out;
}

}  // namespace hookd::signing
