#include "signing/ed25519.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "signing/base64.h"

namespace hookd::signing {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// RFC 8032 section 7.1, tests 1 and 2.
const std::string kSeed1 = from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
const std::string kPublic1 = from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
const std::string kSignature1 = from_hex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
const std::string kSeed2 = from_hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
const std::string kPublic2 = from_hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
const std::string kSignature2 = from_hex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");

std::string whsk(std::string_view bytes) { return "whsk_" + base64_encode(bytes); }

// Verifies with OpenSSL directly from the whpk_ text, as a receiver would.
bool openssl_verifies(std::string_view whpk, std::string_view message, std::string_view signature) {
  if (!whpk.starts_with("whpk_")) return false;
  const auto raw = base64_decode(whpk.substr(5));
  if (!raw || raw->size() != 32) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw->data()),
                                  raw->size()),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

// The signature bytes of a "v1a,<base64>" entry.
std::string v1a_bytes(std::string_view entry) {
  EXPECT_TRUE(entry.starts_with("v1a,")) << entry;
  return base64_decode(entry.substr(4)).value_or("");
}

TEST(Ed25519Key, MatchesRfc8032Vectors) {
  const auto key1 = Ed25519Key::from_whsk(whsk(kSeed1));
  ASSERT_TRUE(key1.has_value());
  EXPECT_EQ(key1->sign(""), kSignature1);
  EXPECT_EQ(key1->public_key_whpk(), "whpk_" + base64_encode(kPublic1));

  const auto key2 = Ed25519Key::from_whsk(whsk(kSeed2));
  ASSERT_TRUE(key2.has_value());
  EXPECT_EQ(key2->sign("\x72"), kSignature2);
  EXPECT_EQ(key2->public_key_whpk(), "whpk_" + base64_encode(kPublic2));
}

TEST(Ed25519Key, AcceptsThePrivateAndPublicForm) {
  const auto key = Ed25519Key::from_whsk(whsk(kSeed1 + kPublic1));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->sign(""), kSignature1);
  EXPECT_EQ(key->public_key_whpk(), "whpk_" + base64_encode(kPublic1));
  // Padding may be left out, as for whsec_ secrets.
  std::string unpadded = whsk(kSeed1);
  while (unpadded.back() == '=') unpadded.pop_back();
  EXPECT_TRUE(Ed25519Key::from_whsk(unpadded).has_value());
}

TEST(Ed25519Key, RefusesMalformedKeys) {
  EXPECT_FALSE(Ed25519Key::from_whsk(""));
  EXPECT_FALSE(Ed25519Key::from_whsk("whsk_"));
  EXPECT_FALSE(Ed25519Key::from_whsk(base64_encode(kSeed1)));             // no prefix
  EXPECT_FALSE(Ed25519Key::from_whsk("WHSK_" + base64_encode(kSeed1)));   // prefix is case-sensitive
  EXPECT_FALSE(Ed25519Key::from_whsk("whsec_" + base64_encode(kSeed1)));  // an HMAC secret
  EXPECT_FALSE(Ed25519Key::from_whsk(whsk(kSeed1.substr(0, 31))));
  EXPECT_FALSE(Ed25519Key::from_whsk(whsk(kSeed1 + "x")));
  EXPECT_FALSE(Ed25519Key::from_whsk(whsk(kSeed1 + kPublic1.substr(0, 31))));
  EXPECT_FALSE(Ed25519Key::from_whsk("whsk_" + base64_encode(kSeed1) + " "));
  EXPECT_FALSE(Ed25519Key::from_whsk("whsk_not base64!"));
  // A 64-byte key whose public half belongs to another private key.
  EXPECT_FALSE(Ed25519Key::from_whsk(whsk(kSeed1 + kPublic2)));
}

TEST(Ed25519Key, DerivesThePublicKey) {
  EXPECT_EQ(derive_public_key(whsk(kSeed2)), "whpk_" + base64_encode(kPublic2));
  EXPECT_EQ(derive_public_key(whsk(kSeed2 + kPublic2)), "whpk_" + base64_encode(kPublic2));
  EXPECT_EQ(derive_public_key("whsk_AAAA"), std::nullopt);
}

TEST(Ed25519Key, V1aSignsIdTimestampAndBodyAndVerifiesWithThePublicKey) {
  const auto key = Ed25519Key::from_whsk(whsk(kSeed1));
  ASSERT_TRUE(key.has_value());
  const std::string whpk = key->public_key_whpk();
  const std::string body = R"({"event":"TODO_CREATED","n":1})";
  const std::string entry = standard_webhooks_v1a(*key, "msg_1", 1614265330, body);
  EXPECT_EQ(entry.size(), 4u + 88u);
  const std::string signature = v1a_bytes(entry);
  EXPECT_TRUE(openssl_verifies(whpk, "msg_1.1614265330." + body, signature));
  EXPECT_EQ(signature, key->sign("msg_1.1614265330." + body));  // ed25519 is deterministic

  // Each part is covered.
  EXPECT_FALSE(openssl_verifies(whpk, "msg_2.1614265330." + body, signature));
  EXPECT_FALSE(openssl_verifies(whpk, "msg_1.1614265331." + body, signature));
  EXPECT_FALSE(openssl_verifies(whpk, "msg_1.1614265330." + body + " ", signature));
  EXPECT_FALSE(openssl_verifies("whpk_" + base64_encode(kPublic2), "msg_1.1614265330." + body, signature));

  // append_v1a appends and reuses its per-thread buffer: a shorter second message is not
  // polluted by the first.
  std::string out = "prefix ";
  key->append_v1a(out, "a", "1", std::string(10000, 'x'));
  out.clear();
  key->append_v1a(out, "b", "2", "{}");
  EXPECT_TRUE(openssl_verifies(whpk, "b.2.{}", v1a_bytes(out)));
}

TEST(Ed25519Key, CopiesShareOneKeyAcrossThreads) {
  const auto key = Ed25519Key::from_whsk(whsk(kSeed2));
  ASSERT_TRUE(key.has_value());
  const std::string whpk = key->public_key_whpk();
  std::vector<std::thread> threads;
  std::vector<int> verified(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([copy = *key, &whpk, &verified, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string body = "{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}";
        const std::string entry = standard_webhooks_v1a(copy, "msg", 1, body);
        verified[static_cast<std::size_t>(t)] += openssl_verifies(whpk, "msg.1." + body, v1a_bytes(entry));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(verified, (std::vector<int>{200, 200, 200, 200}));
}

}  // namespace
}  // namespace hookd::signing
