#include "signing/hmac.h"

// OpenSSL 3.0 deprecates the SHA256_* calls for EVP_Digest*, but EVP_DigestInit_ex2 frees and
// allocates its provider context on every call, four times an HMAC. The SHA256_CTX calls run the
// same SHA extensions code on a plain struct, without allocating (docs/benchmarks.md, "What a
// delivery still costs"). They stay in OpenSSL 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <algorithm>

namespace hookd::signing {
namespace {

constexpr std::size_t kBlockSize = SHA256_CBLOCK;  // SHA-256's block, which HMAC pads its key to

using KeyBlock = std::array<unsigned char, kBlockSize>;

// The key as HMAC uses it: zero-padded to a block, hashed first if longer (RFC 2104, section 2).
KeyBlock key_block(std::string_view key) {
  KeyBlock block{};
  if (key.size() > kBlockSize) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block.data());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  return block;
}

// Starts a hash with the key block XORed with an HMAC pad byte.
void start_with_pad(SHA256_CTX& hash, KeyBlock block, unsigned char pad) {
  for (auto& byte : block) byte ^= pad;
  SHA256_Init(&hash);
  SHA256_Update(&hash, block.data(), block.size());
}

}  // namespace

Sha256Digest hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts) {
  const KeyBlock block = key_block(key);
  SHA256_CTX hash;
  start_with_pad(hash, block, 0x36);
  for (const std::string_view part : parts) {
    if (!part.empty()) SHA256_Update(&hash, part.data(), part.size());
  }
  Sha256Digest inner{};
  SHA256_Final(inner.data(), &hash);
  start_with_pad(hash, block, 0x5c);
  SHA256_Update(&hash, inner.data(), inner.size());
  Sha256Digest digest{};
  SHA256_Final(digest.data(), &hash);
  return digest;
}

}  // namespace hookd::signing
