#include "signing/signature.h"

#include <gtest/gtest.h>

#include <string>

#include "signing/base64.h"
#include "signing/hmac.h"

namespace hookd::signing {
namespace {

// Published vector from the Standard Webhooks reference libraries.
TEST(StandardWebhooksSignature, MatchesPublishedVector) {
  const SigningKey key = make_signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(standard_webhooks_signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                        R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(StandardWebhooksSignature, ChangesWithEveryInput) {
  const SigningKey key = make_signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  const std::string base = standard_webhooks_signature(key, "msg_1", 1614265330, "{}");
  EXPECT_NE(base, standard_webhooks_signature(key, "msg_2", 1614265330, "{}"));
  EXPECT_NE(base, standard_webhooks_signature(key, "msg_1", 1614265331, "{}"));
  EXPECT_NE(base, standard_webhooks_signature(key, "msg_1", 1614265330, "{ }"));
  EXPECT_NE(base, standard_webhooks_signature(make_signing_key("whsec_AAAA"), "msg_1", 1614265330, "{}"));
}

TEST(StandardWebhooksSignature, EqualsHmacOverTheConcatenation) {
  const SigningKey key = make_signing_key("plain-secret");
  const std::string body(5000, 'x');
  const Sha256Digest whole = hmac_sha256("plain-secret", {"msg_a.-5." + body});
  EXPECT_EQ(standard_webhooks_signature(key, "msg_a", -5, body), "v1," + base64_encode(whole));
}

// GitHub's documented example for X-Hub-Signature-256 (same construction as Blue's x-signature).
TEST(BlueSignature, MatchesGitHubPublishedVector) {
  EXPECT_EQ(blue_signature_hex(make_signing_key("It's a Secret to Everybody"), "Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST(BlueSignature, UsesRawSecretBytesEvenForWhsecSecrets) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const SigningKey key = make_signing_key(secret);
  EXPECT_NE(key.hmac_key, key.secret);
  const Sha256Digest expected = hmac_sha256(secret, {"body"});
  std::string hex;
  for (unsigned char b : expected) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  EXPECT_EQ(blue_signature_hex(key, "body"), hex);
}

TEST(Hmac, EmptyKeyDoesNotInheritThePreviousKey) {
  // RFC 4231 has no empty-key case; this is the well-known HMAC-SHA256("", "") value.
  (void)hmac_sha256("some previous key", {"warm the thread's context"});
  EXPECT_EQ(base64_encode(hmac_sha256("", {})), "thNnmggU2ex3L5XXeMNfxf8Wl8STcVZTxscSFEKSxa0=");
}

TEST(Hmac, PartsAreEquivalentToConcatenation) {
  EXPECT_EQ(hmac_sha256("k", {"ab", "", "c", "def"}), hmac_sha256("k", {"abcdef"}));
}

TEST(MakeSigningKey, DecodesWhsecRemainder) {
  const SigningKey key = make_signing_key("whsec_aGVsbG8=");
  EXPECT_EQ(key.secret, "whsec_aGVsbG8=");
  EXPECT_EQ(key.hmac_key, "hello");
  EXPECT_FALSE(key.empty());
}

TEST(MakeSigningKey, FallsBackToWholeSecretWhenRemainderIsNotBase64) {
  EXPECT_EQ(make_signing_key("whsec_not base64!").hmac_key, "whsec_not base64!");
}

TEST(MakeSigningKey, UsesOtherSecretsAsIs) {
  EXPECT_EQ(make_signing_key("aGVsbG8=").hmac_key, "aGVsbG8=");
  EXPECT_EQ(make_signing_key("WHSEC_aGVsbG8=").hmac_key, "WHSEC_aGVsbG8=");
}

TEST(HmacKey, DerivesTheSameKeyInPlaceAndForKeysOverItsOwnStorage) {
  // 24 bytes (the usual whsec_), 64 (Standard Webhooks' largest) and 300 (beyond the 96
  // decoded in place): each the decoded remainder, whichever storage holds it.
  for (const std::size_t size : {24u, 64u, 300u}) {
    std::string raw(size, '\0');
    for (std::size_t i = 0; i < size; ++i) raw[i] = static_cast<char>(i * 7 + 1);
    const std::string secret = "whsec_" + base64_encode(raw);
    EXPECT_EQ(HmacKey(secret).bytes(), raw) << size;
    const SigningKeyView derived{secret, std::nullopt};
    EXPECT_EQ(standard_webhooks_signature(derived, "msg_1", 1614265330, "{}"),
              standard_webhooks_signature(make_signing_key(secret), "msg_1", 1614265330, "{}"))
        << size;
  }
  EXPECT_EQ(HmacKey("whsec_not base64!").bytes(), "whsec_not base64!");
  EXPECT_EQ(HmacKey("plain").bytes(), "plain");
}

TEST(MakeSigningKey, EmptySecretMeansUnsigned) {
  EXPECT_TRUE(make_signing_key("").empty());
  EXPECT_TRUE(SigningKey{}.empty());
}

}  // namespace
}  // namespace hookd::signing
