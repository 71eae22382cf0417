#include "signing/hmac.h"

#include <gtest/gtest.h>

#include <string>

namespace hookd::signing {
namespace {

std::string hex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : digest) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0f]);
  }
  return out;
}

std::string bytes(std::size_t count, unsigned char value) { return std::string(count, static_cast<char>(value)); }

// RFC 4231, section 4: the HMAC-SHA-256 test cases (case 5 is a truncated output, not ours).
TEST(Hmac, MatchesTheRfc4231Vectors) {
  EXPECT_EQ(hex(hmac_sha256(bytes(20, 0x0b), {"Hi There"})),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac_sha256("Jefe", {"what do ya want for nothing?"})),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac_sha256(bytes(20, 0xaa), {bytes(50, 0xdd)})),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  std::string counting_key;
  for (int i = 1; i <= 25; ++i) counting_key.push_back(static_cast<char>(i));
  EXPECT_EQ(hex(hmac_sha256(counting_key, {bytes(50, 0xcd)})),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  // A key longer than SHA-256's 64-byte block is hashed first.
  EXPECT_EQ(hex(hmac_sha256(bytes(131, 0xaa), {"Test Using Larger Than Block-Size Key - Hash Key First"})),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hex(hmac_sha256(bytes(131, 0xaa),
                            {"This is a test using a larger than block-size key and a larger than block-size data. "
                             "The key needs to be hashed before being used by the HMAC algorithm."})),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

// The edges of the key's block and of the message's padding; expected values from Python's hmac.
TEST(Hmac, KeysAndMessagesAtTheBlockEdgesMatchAnIndependentImplementation) {
  EXPECT_EQ(hex(hmac_sha256(bytes(64, 0xaa), {""})), "db2cf93f633fcdfd9bb7f3b99763a63725cb8e38b4fa60a87d0e94b71d8b5970");
  EXPECT_EQ(hex(hmac_sha256(bytes(64, 0xaa), {bytes(64, 'a')})),
            "e731def7f0319ce80f36c2829da91dee5c152a02a612a5ea729215603d15c0b9");
  EXPECT_EQ(hex(hmac_sha256(bytes(65, 0xaa), {bytes(55, 'a')})),
            "6ad2f8dfbea118d0e497aa2fd70bdc5b789dfc212f6ab8aa2f2626f7128202dd");
  EXPECT_EQ(hex(hmac_sha256("", {bytes(119, 'a')})), "c057bc3e80a8a1daf46ad80643799b5bcfe79561d9f7fd72bdfc36b82667c4f6");
  std::string long_key;
  for (int i = 0; i < 200; ++i) long_key.push_back(static_cast<char>(i));
  EXPECT_EQ(hex(hmac_sha256(long_key, {bytes(64, 'a')})),
            "ad9ae2a9f31b9996bd67adab8b2cc00de5f9e2f8188c7418778758016766b422");
}

TEST(Hmac, AShortKeyAfterALongOneIsNotMixedWithIt) {
  // Each call builds its key block from zero: nothing of a 200-byte key's hash or of a 64-byte
  // key's tail stays behind for the next, shorter key on the same thread.
  (void)hmac_sha256(bytes(200, 0x55), {"first"});
  (void)hmac_sha256(bytes(64, 0xff), {"second"});
  EXPECT_EQ(hex(hmac_sha256("Jefe", {"what do ya want for nothing?"})),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace hookd::signing
