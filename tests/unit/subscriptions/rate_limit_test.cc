// "rateLimit": {"perSecond": N}: parsed at load, refused when malformed, and kept in the
// "webhook" object receivers get (it is not a secret).
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "subscriptions/parse.h"

namespace hookd::subscriptions {
namespace {

std::string record(std::string_view extra) {
  return R"({"id":"w1","companyId":"c1","url":"https://h.example/x",)" + std::string(extra) + R"(,"name":"n"})";
}

TEST(RateLimit, PerSecondIsReadIncludingFractions) {
  for (auto [extra, expected] : {std::pair{R"("rateLimit":{"perSecond":25})", 25.0},
                                 std::pair{R"("rateLimit":{"perSecond":0.5})", 0.5},
                                 std::pair{R"("rateLimit":{"perSecond":100000,"burst":3})", 100000.0}}) {
    ParseResult result = parse_subscription("w1", record(extra));
    ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Subscription>>(result)) << extra;
    const auto& s = std::get<std::shared_ptr<const Subscription>>(result);
    EXPECT_EQ(s->rate_limit_per_second(), expected) << extra;
    EXPECT_NE(s->webhook_json().find(R"("rateLimit":)"), std::string::npos);
  }
}

TEST(RateLimit, AbsentOrNullMeansNone) {
  for (const char* extra : {R"("other":1)", R"("rateLimit":null)"}) {
    ParseResult result = parse_subscription("w1", record(extra));
    ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Subscription>>(result)) << extra;
    EXPECT_EQ(std::get<std::shared_ptr<const Subscription>>(result)->rate_limit_per_second(), 0) << extra;
  }
}

TEST(RateLimit, MalformedIsRefusedAsInvalidFieldNamingTheField) {
  for (const char* extra : {R"("rateLimit":5)", R"("rateLimit":{})", R"("rateLimit":{"perSecond":"5"})",
                            R"("rateLimit":{"perSecond":0})", R"("rateLimit":{"perSecond":-1})",
                            R"("rateLimit":{"perSecond":100001})", R"("rateLimit":{"perSecond":null})",
                            R"("rateLimit":[])"}) {
    ParseResult result = parse_subscription("w1", record(extra));
    ASSERT_TRUE(std::holds_alternative<Invalid>(result)) << extra;
    const auto& invalid = std::get<Invalid>(result);
    EXPECT_EQ(invalid.reason, InvalidReason::invalid_field) << extra;
    EXPECT_NE(invalid.detail.find("rateLimit"), std::string::npos) << invalid.detail;
  }
}

}  // namespace
}  // namespace hookd::subscriptions
