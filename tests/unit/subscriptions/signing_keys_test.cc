// previousSecrets and signingKey: parsed into keys at load, refused when malformed, and
// never part of the "webhook" object receivers get.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "signing/base64.h"
#include "subscriptions/parse.h"

namespace hookd::subscriptions {
namespace {

// RFC 8032 test 1: private key and its public key.
constexpr std::string_view kWhsk = "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
constexpr std::string_view kWhpk = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

std::string record(std::string_view extra) {
  return R"({"id":"w1","companyId":"c1","url":"https://h.example/x","secret":"whsec_bmV3",)" + std::string(extra) +
         R"(,"name":"n"})";
}

std::shared_ptr<const Subscription> parse_ok(std::string_view value) {
  ParseResult result = parse_subscription("w1", value);
  if (const auto* bad = std::get_if<Invalid>(&result)) {
    ADD_FAILURE() << "refused: " << to_string(bad->reason) << ": " << bad->detail;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Subscription>>(result);
}

Invalid parse_bad(std::string_view value) {
  ParseResult result = parse_subscription("w1", value);
  if (!std::holds_alternative<Invalid>(result)) {
    ADD_FAILURE() << "accepted: " << value;
    return Invalid{InvalidReason::not_json, "accepted"};
  }
  return std::get<Invalid>(result);
}

TEST(SigningKeys, PreviousSecretsAreParsedInOrderWithTheirExpiry) {
  auto s = parse_ok(record(R"("previousSecrets":[)"
                           R"({"secret":"whsec_b2xkLWE=","expiresAt":"2030-01-02T03:04:05.678Z"},)"
                           R"({"secret":"plain-old","expiresAt":"2030-01-02T04:04:05+01:00","note":"ignored"}])"));
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->previous_keys().size(), 2u);
  EXPECT_EQ(s->previous_keys()[0].key.secret, "whsec_b2xkLWE=");
  EXPECT_EQ(s->previous_keys()[0].key.hmac_key, "old-a");  // whsec_ decoded as for the current secret
  EXPECT_EQ(s->previous_keys()[0].expires_unix_ms, 1893553445678);
  EXPECT_EQ(s->previous_keys()[1].key.hmac_key, "plain-old");
  EXPECT_EQ(s->previous_keys()[1].expires_unix_ms, 1893553445000);
  EXPECT_EQ(signing::HmacKey(s->signing_key().secret).bytes(), "new");  // derived while signing
  EXPECT_FALSE(s->ed25519_key().has_value());
}

TEST(SigningKeys, SigningKeyIsLoadedOnce) {
  auto s = parse_ok(record(R"("signingKey":")" + std::string(kWhsk) + "\""));
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->ed25519_key().has_value());
  EXPECT_EQ(s->ed25519_key()->public_key_whpk(), kWhpk);

  // The 64-byte private-and-public form.
  const auto seed = signing::base64_decode(kWhsk.substr(5)).value();
  const auto pub = signing::base64_decode(kWhpk.substr(5)).value();
  auto full = parse_ok(record(R"("signingKey":"whsk_)" + signing::base64_encode(seed + pub) + "\""));
  ASSERT_NE(full, nullptr);
  ASSERT_TRUE(full->ed25519_key().has_value());
  EXPECT_EQ(full->ed25519_key()->public_key_whpk(), kWhpk);
}

TEST(SigningKeys, AbsentNullAndEmptyMeanNone) {
  for (const char* extra : {R"("previousSecrets":null,"signingKey":null)", R"("previousSecrets":[],"signingKey":"")"}) {
    auto s = parse_ok(record(extra));
    ASSERT_NE(s, nullptr) << extra;
    EXPECT_TRUE(s->previous_keys().empty());
    EXPECT_FALSE(s->ed25519_key().has_value());
  }
}

TEST(SigningKeys, MalformedEntriesAreRefusedAsInvalidField) {
  const std::string ok_expiry = R"("expiresAt":"2030-01-01T00:00:00Z")";
  const std::vector<std::string> bad = {
      R"("previousSecrets":{})",
      R"("previousSecrets":"s")",
      R"("previousSecrets":["s"])",
      R"("previousSecrets":[{"secret":"s"}])",
      R"("previousSecrets":[{)" + ok_expiry + "}]",
      R"("previousSecrets":[{"secret":"",)" + ok_expiry + "}]",
      R"("previousSecrets":[{"secret":7,)" + ok_expiry + "}]",
      R"("previousSecrets":[{"secret":null,)" + ok_expiry + "}]",
      R"("previousSecrets":[{"secret":"s","expiresAt":"tomorrow"}])",
      R"("previousSecrets":[{"secret":"s","expiresAt":"2030-01-01"}])",
      R"("previousSecrets":[{"secret":"s","expiresAt":"2030-01-01T00:00:00"}])",
      R"("previousSecrets":[{"secret":"s","expiresAt":1893456000000}])",
      R"("previousSecrets":[null])",
      R"("signingKey":42)",
      R"("signingKey":"whsec_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")",
      R"("signingKey":"whsk_AAAA")",
      R"("signingKey":"whsk_not base64")",
      R"("signingKey":"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")",
  };
  for (const std::string& extra : bad) {
    const Invalid invalid = parse_bad(record(extra));
    EXPECT_EQ(invalid.reason, InvalidReason::invalid_field) << extra << ": " << invalid.detail;
    // Details name the rule, never the key material.
    EXPECT_EQ(invalid.detail.find("nWGxne"), std::string::npos) << invalid.detail;
  }
}

TEST(SigningKeys, AtMostTenPreviousSecrets) {
  std::string entries;
  for (int i = 0; i < 11; ++i) {
    if (i > 0) entries += ",";
    entries += R"({"secret":"s)" + std::to_string(i) + R"(","expiresAt":"2030-01-01T00:00:00Z"})";
  }
  EXPECT_EQ(parse_bad(record(R"("previousSecrets":[)" + entries + "]")).reason, InvalidReason::invalid_field);
  const std::string ten = entries.substr(0, entries.rfind(",{"));
  auto s = parse_ok(record(R"("previousSecrets":[)" + ten + "]"));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->previous_keys().size(), 10u);
}

TEST(SigningKeys, StrippedFromTheWebhookObject) {
  auto s = parse_ok(R"({"previousSecrets":[{"secret":"old-secret","expiresAt":"2030-01-01T00:00:00Z"}],)"
                    R"("id":"w1","signingKey":")" + std::string(kWhsk) +
                    R"(","companyId":"c1","secret":"new-secret","url":"https://h.example/x",)"
                    R"("nested":{"signingKey":"kept","previousSecrets":[]}})");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->webhook_json(),
            R"({"id":"w1","companyId":"c1","url":"https://h.example/x",)"
            R"("nested":{"signingKey":"kept","previousSecrets":[]}})");
  EXPECT_EQ(s->webhook_json().find("secret\""), std::string::npos);
  EXPECT_EQ(s->webhook_json().find("whsk_"), std::string::npos);
}

TEST(SigningKeys, DuplicateSecretMembersAreStillRefused) {
  EXPECT_EQ(parse_bad(record(R"("signingKey":"","signingKey":"")")).reason, InvalidReason::duplicate_key);
  EXPECT_EQ(parse_bad(record(R"("previousSecrets":[{"secret":"a","secret":"b","expiresAt":"2030-01-01T00:00:00Z"}])"))
                .reason,
            InvalidReason::duplicate_key);
}

}  // namespace
}  // namespace hookd::subscriptions
