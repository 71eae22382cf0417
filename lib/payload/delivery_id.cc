#include "payload/delivery_id.h"

// SHA256_CTX rather than EVP_Digest*: in OpenSSL 3.0 EVP_DigestInit_ex2 frees and allocates its
// provider context on every call, once a delivery here (docs/benchmarks.md, "What a delivery
// still costs"; signing/hmac.cc does the same). The SHA256_* calls stay in OpenSSL 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace hookd::payload {

std::string delivery_id(std::string_view event_id, std::string_view webhook_id) {
  SHA256_CTX hash;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const char separator = '\0';
  SHA256_Init(&hash);
  SHA256_Update(&hash, event_id.data(), event_id.size());
  SHA256_Update(&hash, &separator, 1);
  SHA256_Update(&hash, webhook_id.data(), webhook_id.size());
  SHA256_Final(digest, &hash);
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
