#include "signing/signature_headers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signing/base64.h"

namespace hookd::signing {
namespace {

constexpr std::int64_t kNowMs = 1'700'000'000'000;
constexpr std::string_view kId = "msg_1";
constexpr std::int64_t kTimestamp = 1'700'000'000;
constexpr std::string_view kBody = R"({"event":"TODO_CREATED"})";

std::string v1(std::string_view secret) {
  return standard_webhooks_signature(make_signing_key(secret), kId, kTimestamp, kBody);
}

Ed25519Key test_key() {
  // RFC 8032 test 1's private key.
  return *Ed25519Key::from_whsk("whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=");
}

SignatureHeaders headers(const SigningKey& current, const std::vector<PreviousKey>& previous,
                         const std::optional<Ed25519Key>& asymmetric, std::int64_t now_ms = kNowMs) {
  return signature_headers(current, previous, asymmetric, kId, kTimestamp, kBody, now_ms);
}

TEST(SignatureHeaders, CurrentSecretOnly) {
  const SigningKey current = make_signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  const SignatureHeaders h = headers(current, {}, std::nullopt);
  EXPECT_EQ(h.webhook_signature, v1("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_EQ(h.x_signature, blue_signature_hex(current, kBody));
}

TEST(SignatureHeaders, CurrentFirstThenUnexpiredPreviousInOrder) {
  const SigningKey current = make_signing_key("new");
  const std::vector<PreviousKey> previous = {
      {make_signing_key("old-a"), kNowMs + 60'000},
      {make_signing_key("expired"), kNowMs - 1},
      {make_signing_key("old-b"), kNowMs + 1},
  };
  const SignatureHeaders h = headers(current, previous, std::nullopt);
  EXPECT_EQ(h.webhook_signature, v1("new") + " " + v1("old-a") + " " + v1("old-b"));
  // x-signature stays the current secret's alone.
  EXPECT_EQ(h.x_signature, blue_signature_hex(current, kBody));
}

TEST(SignatureHeaders, PreviousSecretStopsAtItsExpiry) {
  const SigningKey current = make_signing_key("new");
  const std::vector<PreviousKey> previous = {{make_signing_key("old"), kNowMs}};
  EXPECT_EQ(headers(current, previous, std::nullopt, kNowMs - 1).webhook_signature, v1("new") + " " + v1("old"));
  EXPECT_EQ(headers(current, previous, std::nullopt, kNowMs).webhook_signature, v1("new"));
  EXPECT_EQ(headers(current, previous, std::nullopt, kNowMs + 3'600'000).webhook_signature, v1("new"));
}

TEST(SignatureHeaders, SigningKeyAddsV1aLast) {
  const SigningKey current = make_signing_key("new");
  const std::vector<PreviousKey> previous = {{make_signing_key("old"), kNowMs + 1000}};
  const auto key = test_key();
  const SignatureHeaders h = headers(current, previous, key);
  EXPECT_EQ(h.webhook_signature,
            v1("new") + " " + v1("old") + " " + standard_webhooks_v1a(key, kId, kTimestamp, kBody));
  EXPECT_EQ(h.x_signature, blue_signature_hex(current, kBody));
}

TEST(SignatureHeaders, SigningKeyAloneGivesOnlyV1a) {
  const auto key = test_key();
  const SignatureHeaders h = headers(SigningKey{}, {}, key);
  EXPECT_EQ(h.webhook_signature, standard_webhooks_v1a(key, kId, kTimestamp, kBody));
  EXPECT_TRUE(h.webhook_signature.starts_with("v1a,"));
  EXPECT_EQ(h.webhook_signature.find(' '), std::string::npos);
  EXPECT_TRUE(h.x_signature.empty());
}

TEST(SignatureHeaders, NoSecretAndNoKeyMeansNoHeaders) {
  const SignatureHeaders h = headers(SigningKey{}, {}, std::nullopt);
  EXPECT_TRUE(h.webhook_signature.empty());
  EXPECT_TRUE(h.x_signature.empty());
  // Previous secrets alone do not sign: they only ride along with a current secret.
  const std::vector<PreviousKey> previous = {{make_signing_key("old"), kNowMs + 1000}};
  const SignatureHeaders orphaned = headers(SigningKey{}, previous, std::nullopt);
  EXPECT_TRUE(orphaned.webhook_signature.empty());
  EXPECT_TRUE(orphaned.x_signature.empty());
  EXPECT_EQ(headers(SigningKey{}, previous, test_key()).webhook_signature,
            standard_webhooks_v1a(test_key(), kId, kTimestamp, kBody));
}

}  // namespace
}  // namespace hookd::signing
