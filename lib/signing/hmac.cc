#include "signing/hmac.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace hookd::signing {
namespace {

constexpr std::size_t kBlockSize = 64;  // SHA-256's block, which HMAC pads its key to

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

[[noreturn]] void fail(const char* what) { throw std::runtime_error(what); }

// HMAC is written out (RFC 2104) over one reused digest context per thread: OpenSSL 3's
// EVP_MAC re-keys through a provider call and three digest contexts per message, which cost
// as much as hashing a 1 KiB body (docs/benchmarks.md, "Signing without re-keying OpenSSL").
struct ThreadDigest {
  std::unique_ptr<EVP_MD, MdDeleter> sha256{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx{EVP_MD_CTX_new()};

  ThreadDigest() {
    if (!sha256 || !ctx) fail("SHA-256 digest setup failed");
  }

  void start() {
    if (EVP_DigestInit_ex2(ctx.get(), sha256.get(), nullptr) != 1) fail("SHA-256 init failed");
  }
  void add(const void* data, std::size_t size) {
    if (size != 0 && EVP_DigestUpdate(ctx.get(), data, size) != 1) fail("SHA-256 update failed");
  }
  Sha256Digest finish() {
    Sha256Digest digest{};
    unsigned int written = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &written) != 1 || written != digest.size()) {
      fail("SHA-256 final failed");
    }
    return digest;
  }
};

ThreadDigest& thread_digest() {
  thread_local ThreadDigest digest;
  return digest;
}

using KeyBlock = std::array<unsigned char, kBlockSize>;

// The key as HMAC uses it: zero-padded to a block, hashed first if longer (RFC 2104, section 2).
KeyBlock key_block(ThreadDigest& digest, std::string_view key) {
  KeyBlock block{};
  if (key.size() > kBlockSize) {
    digest.start();
    digest.add(key.data(), key.size());
    const Sha256Digest hashed = digest.finish();
    std::copy(hashed.begin(), hashed.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  return block;
}

// Starts a hash with the key block XORed with an HMAC pad byte.
void start_with_pad(ThreadDigest& digest, KeyBlock block, unsigned char pad) {
  for (auto& byte : block) byte ^= pad;
  digest.start();
  digest.add(block.data(), block.size());
}

}  // namespace

Sha256Digest hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
  ThreadDigest& digest = thread_digest();
  const KeyBlock block = key_block(digest, key);
  start_with_pad(digest, block, 0x36);
  for (const std::string_view part : parts) digest.add(part.data(), part.size());
  const Sha256Digest inner = digest.finish();
  start_with_pad(digest, block, 0x5c);
  digest.add(inner.data(), inner.size());
  return digest.finish();
}

}  // namespace hookd::signing
