#include "signing/hmac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace hookd::signing {
namespace {

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

[[noreturn]] void fail(const char* what) { throw std::runtime_error(what); }

// Fetching the HMAC implementation and setting its digest is the slow part of OpenSSL 3's
// EVP_MAC API; do it once per thread and only re-key per message.
EVP_MAC_CTX* thread_hmac_context() {
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx = [] {
    std::unique_ptr<EVP_MAC, MacDeleter> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac) fail("EVP_MAC_fetch(HMAC) failed");
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> created(EVP_MAC_CTX_new(mac.get()));
    if (!created) fail("EVP_MAC_CTX_new failed");
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(created.get(), params) != 1) fail("HMAC digest setup failed");
    return created;  // the context holds its own reference to the EVP_MAC
  }();
  return ctx.get();
}

}  // namespace

Sha256Digest hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
  EVP_MAC_CTX* ctx = thread_hmac_context();
  // A null key pointer means "reuse the previous key" to EVP_MAC_init: an empty key must
  // still pass a valid pointer so it never inherits the previous message's key.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx, key_bytes, key.size(), nullptr) != 1) fail("HMAC init failed");
  for (const std::string_view part : parts) {
    if (part.empty()) continue;
    if (EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) != 1) {
      fail("HMAC update failed");
    }
  }
  Sha256Digest digest{};
  std::size_t written = 0;
  if (EVP_MAC_final(ctx, digest.data(), &written, digest.size()) != 1 || written != digest.size()) {
    fail("HMAC final failed");
  }
  return digest;
}

}  // namespace hookd::signing
