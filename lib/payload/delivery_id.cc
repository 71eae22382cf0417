#include "payload/delivery_id.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace hookd::payload {
namespace {

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

[[noreturn]] void fail(const char* what) { throw std::runtime_error(what); }

// Fetched once per thread: an implicit fetch on every EVP_DigestInit is a lock and a lookup.
EVP_MD_CTX* thread_sha256(const EVP_MD*& md_out) {
  thread_local std::unique_ptr<EVP_MD, MdDeleter> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!md || !ctx) fail("SHA-256 setup failed");
  md_out = md.get();
  return ctx.get();
}

}  // namespace

std::string delivery_id(std::string_view event_id, std::string_view webhook_id) {
  const EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = thread_sha256(md);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  const char separator = '\0';
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, event_id.data(), event_id.size()) != 1 ||
      EVP_DigestUpdate(ctx, &separator, 1) != 1 ||
      EVP_DigestUpdate(ctx, webhook_id.data(), webhook_id.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, digest, &digest_size) != 1 || digest_size < 16) {
    fail("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "msg_";
  id.resize(4 + 32);
  for (int i = 0; i < 16; ++i) {
    id[4 + 2 * i] = kHex[digest[i] >> 4];
    id[4 + 2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return id;
}

}  // namespace hookd::payload
