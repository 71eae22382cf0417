// Secret rotation and asymmetric signatures against the real broker and hookd:
// during a rotation both secrets' v1 entries verify; once the previous secret's expiresAt
// has passed only the current one is sent; a v1a entry verifies with the public key alone.
// Verification here is written against OpenSSL and the published RFC 8032 key pair, not
// hookd's own signer, so a wrong signer cannot agree with itself.
#include "integration/harness/scenario_test.h"
#include "signing/base64.h"
#include "signing/signature.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/json.hpp>

#include <ctime>
#include <memory>
#include <thread>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::HttpsReceiver;
using test_support::ReceivedRequest;
using ::testing::HasSubstr;
using ::testing::Not;

// RFC 8032 section 7.1, test 1: the private key as a Standard Webhooks signing key, and
// its public key as a receiver would hold it.
constexpr std::string_view kWhsk = "whsk_nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
constexpr std::string_view kWhpk = "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

constexpr std::string_view kCurrent = "whsec_Y3VycmVudC1zZWNyZXQtYWFhYWFhYWE=";
constexpr std::string_view kPrevious = "whsec_cHJldmlvdXMtc2VjcmV0LWJiYmJiYmJi";

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2030-01-02T03:04:05.678Z" for unix milliseconds.
std::string rfc3339(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  return std::string(text, n) + "." + std::to_string(1000 + unix_ms % 1000).substr(1) + "Z";
}

// The space-separated entries of a webhook-signature header.
std::vector<std::string> entries(const std::string& header) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos <= header.size();) {
    const std::size_t end = std::min(header.find(' ', pos), header.size());
    if (end > pos) out.push_back(header.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string signed_content(const ReceivedRequest& r) {
  return r.header("webhook-id") + "." + r.header("webhook-timestamp") + "." + r.body;
}

// A receiver's v1a check: ed25519 verify with the whpk_ public key, OpenSSL only.
bool v1a_verifies(std::string_view whpk, const std::string& entry, const std::string& content) {
  if (!entry.starts_with("v1a,") || !whpk.starts_with("whpk_")) return false;
  const auto signature = signing::base64_decode(std::string_view(entry).substr(4));
  const auto public_key = signing::base64_decode(whpk.substr(5));
  if (!signature || !public_key || public_key->size() != 32) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                  reinterpret_cast<const unsigned char*>(public_key->data()), public_key->size()),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                          reinterpret_cast<const unsigned char*>(content.data()), content.size()) == 1;
}

// The v1 entry a receiver holding `secret` expects.
std::string v1_for(std::string_view secret, const ReceivedRequest& r) {
  return signing::standard_webhooks_signature(signing::make_signing_key(secret), r.header("webhook-id"),
                                              std::stoll(r.header("webhook-timestamp")), r.body);
}

class SignaturesTest : public ScenarioTest {
 protected:
  std::unique_ptr<HookdProcess> start_hookd() {
    return start_ready_hookd(scenario.config_yaml(ca.ca_file()));
  }

  // The first delivery of `event_id`, waiting up to `timeout` for it.
  std::optional<ReceivedRequest> delivery_of(const std::string& event_id, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      for (const auto& r : receiver.requests())
        if (r.body.find("\"eventId\":\"" + event_id + "\"") != std::string::npos) return r;
      std::this_thread::sleep_for(50ms);
    } while (std::chrono::steady_clock::now() < deadline);
    return std::nullopt;
  }


  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost()}};
};

TEST_F(SignaturesTest, BothSecretsVerifyDuringOverlapAndOnlyTheCurrentAfterExpiry) {
  auto hookd = start_hookd();
  // The previous secret expires a few seconds from now: one delivery before, one after.
  const std::int64_t expires_ms = unix_ms_now() + 6000;
  publish_webhook({.id = "wh-rot",
                   .url = receiver.url("/", "localhost"),
                   .secret = std::string(kCurrent),
                   .events = {"TODO_CREATED"},
                   .extra_fields = R"("previousSecrets":[{"secret":")" + std::string(kPrevious) +
                                   R"(","expiresAt":")" + rfc3339(expires_ms) + "\"}]"});
  std::this_thread::sleep_for(1500ms);  // a subscription change takes effect within a second

  publish_event({.id = "evt-overlap"});
  const auto during = delivery_of("evt-overlap", 20s);
  ASSERT_TRUE(during.has_value()) << hookd->log();
  ASSERT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(during->arrived_wall.time_since_epoch()).count(),
            expires_ms)
      << "the overlap delivery arrived after the previous secret expired: the machine is too slow for this test";
  // A receiver on the old secret and one on the new both find their entry; x-signature
  // stays the current secret's.
  EXPECT_THAT(entries(during->header("webhook-signature")),
              ::testing::ElementsAre(v1_for(kCurrent, *during), v1_for(kPrevious, *during)));
  EXPECT_EQ(during->header("x-signature"),
            signing::blue_signature_hex(signing::make_signing_key(kCurrent), during->body));

  while (unix_ms_now() < expires_ms + 1000) std::this_thread::sleep_for(100ms);
  publish_event({.id = "evt-after"});
  const auto after = delivery_of("evt-after", 20s);
  ASSERT_TRUE(after.has_value()) << hookd->log();
  EXPECT_THAT(entries(after->header("webhook-signature")), ::testing::ElementsAre(v1_for(kCurrent, *after)));
  EXPECT_EQ(after->header("x-signature"),
            signing::blue_signature_hex(signing::make_signing_key(kCurrent), after->body));

  // Secrets reach neither the receiver's body nor the log.
  const auto webhook = boost::json::parse(after->body).at("webhook").as_object();
  EXPECT_FALSE(webhook.contains("secret"));
  EXPECT_FALSE(webhook.contains("previousSecrets"));
  EXPECT_THAT(after->body, Not(HasSubstr(std::string(kPrevious))));
  EXPECT_THAT(hookd->log(), Not(HasSubstr(std::string(kPrevious))));
  EXPECT_THAT(hookd->log(), Not(HasSubstr(std::string(kCurrent))));
}

TEST_F(SignaturesTest, V1aVerifiesWithThePublicKey) {
  publish_webhook({.id = "wh-v1a",
                   .url = receiver.url("/", "localhost"),
                   .secret = std::string(kCurrent),
                   .events = {"TODO_CREATED"},
                   .extra_fields = R"("signingKey":")" + std::string(kWhsk) + "\""});
  auto hookd = start_hookd();
  publish_event({.id = "evt-v1a"});
  const auto r = delivery_of("evt-v1a", 20s);
  ASSERT_TRUE(r.has_value()) << hookd->log();

  const auto sent = entries(r->header("webhook-signature"));
  ASSERT_EQ(sent.size(), 2u) << r->header("webhook-signature");
  EXPECT_EQ(sent[0], v1_for(kCurrent, *r));
  EXPECT_TRUE(v1a_verifies(kWhpk, sent[1], signed_content(*r))) << sent[1];
  // The signature covers the id, the timestamp and the body.
  EXPECT_FALSE(v1a_verifies(kWhpk, sent[1], signed_content(*r) + " "));
  EXPECT_FALSE(v1a_verifies(kWhpk, sent[1], "x" + signed_content(*r)));

  const auto webhook = boost::json::parse(r->body).at("webhook").as_object();
  EXPECT_FALSE(webhook.contains("signingKey"));
  EXPECT_THAT(r->body, Not(HasSubstr("whsk_")));
  EXPECT_THAT(hookd->log(), Not(HasSubstr(std::string(kWhsk.substr(5)))));
}

TEST_F(SignaturesTest, SigningKeyWithoutSecretSendsOnlyV1a) {
  publish_webhook({.id = "wh-asym",
                   .url = receiver.url("/", "localhost"),
                   .events = {"TODO_CREATED"},
                   .extra_fields = R"("signingKey":")" + std::string(kWhsk) + "\""});
  auto hookd = start_hookd();
  publish_event({.id = "evt-asym"});
  const auto r = delivery_of("evt-asym", 20s);
  ASSERT_TRUE(r.has_value()) << hookd->log();
  const auto sent = entries(r->header("webhook-signature"));
  ASSERT_EQ(sent.size(), 1u) << r->header("webhook-signature");
  EXPECT_TRUE(v1a_verifies(kWhpk, sent[0], signed_content(*r))) << sent[0];
  EXPECT_FALSE(r->has_header("x-signature"));
}

TEST_F(SignaturesTest, MalformedSigningKeyRefusesTheWebhook) {
  HttpsReceiver marker{{.tls = true, .certificate = ca.localhost()}};
  publish_webhook({.id = "wh-bad",
                   .url = receiver.url("/", "localhost"),
                   .events = {"TODO_CREATED"},
                   .extra_fields = R"("signingKey":"whsk_AAAA")"});
  publish_webhook({.id = "wh-marker", .url = marker.url("/", "localhost"), .events = {"TODO_CREATED"}});
  auto hookd = start_hookd();
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(marker.wait_for_requests(1, 20s)) << hookd->log();  // hookd processed the event
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(receiver.requests().empty()) << "a webhook with an invalid signingKey received a delivery";
  EXPECT_THAT(hookd->log(), HasSubstr("invalid_field"));
  EXPECT_THAT(hookd->log(), Not(HasSubstr("whsk_AAAA")));
}

}  // namespace
}  // namespace hookd::it
