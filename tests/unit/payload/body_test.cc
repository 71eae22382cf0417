#include "payload/body.h"

#include <boost/json/src.hpp>  // header-only Boost.JSON: an independent reader for the output
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../events/sample_event.h"
#include "events/parser.h"

namespace hookd::payload {
namespace {

constexpr std::size_t kOneMiB = 1024 * 1024;
constexpr std::string_view kWebhook =
    R"({"id":"clb4qaopy0000vt24mlp28v03","name":"Testing webhook","url":"https://hooks.example.com/blue","enabled":true})";

TEST(BuildBody, ExactBytesKeepOrderAndPassThroughUnknownFields) {
  events::EventParser parser(kOneMiB);
  events::Event event;
  const std::string input =
      R"({"company" : {"id":"c1"}, "id":"evt_1","x-unknown":[1, 2.50, "ż"],"event":"TODO_CREATED",)"
      R"("occurredAt":"2022-12-01T11:23:09.241Z","currentValue":{"title":"Привет \"q\" \u00e9", "n":1e400},)"
      R"("user":null})";
  ASSERT_EQ(parser.parse(input, event), std::nullopt);
  std::string body;
  build_body(event, kWebhook, body);
  EXPECT_EQ(body,
            std::string(R"({"event":"TODO_CREATED","eventId":"evt_1","occurredAt":"2022-12-01T11:23:09.241Z",)") +
                R"("webhook":)" + std::string(kWebhook) +
                R"(,"company":{"id":"c1"},"x-unknown":[1, 2.50, "ż"],)"
                R"("currentValue":{"title":"Привет \"q\" \u00e9", "n":1e400},"user":null})");
}

TEST(BuildBody, SeedEventBodyIsValidJsonWithoutDuplicateKeys) {
  events::EventParser parser(kOneMiB);
  events::Event event;
  ASSERT_EQ(parser.parse(events::testing::kTodoCreated, event), std::nullopt);
  std::string body;
  build_body(event, kWebhook, body);

  // Re-read with hookd's own strict reader: it reports duplicate_key before missing_field,
  // and the body has no "id", so missing_field means "valid object, no duplicate key".
  events::EventParser reader(kOneMiB);
  events::Event reread;
  ASSERT_EQ(reader.parse(body, reread), events::InvalidReason::missing_field);

  // And with Boost.JSON: key order, and passthrough values equal to the envelope's.
  const boost::json::value original = boost::json::parse(events::testing::kTodoCreated);
  const boost::json::value sent = boost::json::parse(body);
  std::vector<std::string_view> keys;
  for (const auto& member : sent.as_object()) keys.push_back(member.key());
  EXPECT_EQ(keys, (std::vector<std::string_view>{"event", "eventId", "occurredAt", "webhook", "company", "project",
                                                 "user", "currentValue", "previousValue"}));

  EXPECT_EQ(sent.at("event"), original.at("event"));
  EXPECT_EQ(sent.at("eventId"), original.at("id"));
  EXPECT_EQ(sent.at("occurredAt"), original.at("occurredAt"));
  EXPECT_EQ(sent.at("webhook"), boost::json::parse(kWebhook));
  for (const char* key : {"company", "project", "user", "currentValue", "previousValue"}) {
    EXPECT_EQ(sent.at(key), original.at(key)) << key;
  }
  EXPECT_EQ(sent.at("currentValue").at("title").as_string(), "Zadzwoń do klienta — Привет 你好");
}

TEST(BuildBody, MissingOptionalFieldsAreLeftOut) {
  events::EventParser parser(kOneMiB);
  events::Event event;
  ASSERT_EQ(parser.parse(R"({"id":"e","event":"E","occurredAt":"2022-12-01T11:23:09Z","company":{"id":"c"}})", event),
            std::nullopt);
  std::string body;
  build_body(event, "{}", body);
  EXPECT_EQ(body, R"({"event":"E","eventId":"e","occurredAt":"2022-12-01T11:23:09Z","webhook":{},"company":{"id":"c"}})");
}

TEST(BuildBody, EnvelopeWebhookAndEventIdFieldsAreDropped) {
  events::EventParser parser(kOneMiB);
  events::Event event;
  ASSERT_EQ(parser.parse(R"({"webhook":{"url":"https://evil.example"},"eventId":"forged","id":"e","event":"E",)"
                         R"("occurredAt":"2022-12-01T11:23:09Z","company":{"id":"c"},"\u0077ebhook":1})",
                         event),
            events::InvalidReason::duplicate_key);  // the escaped twin is a duplicate already
  ASSERT_EQ(parser.parse(R"({"webhook":{"url":"https://evil.example"},"eventId":"forged","id":"e","event":"E",)"
                         R"("occurredAt":"2022-12-01T11:23:09Z","company":{"id":"c"},"\u0065ventId":1})",
                         event),
            events::InvalidReason::duplicate_key);
  ASSERT_EQ(parser.parse(R"({"webhook":{"url":"https://evil.example"},"\u0065ventId":"forged","id":"e","event":"E",)"
                         R"("occurredAt":"2022-12-01T11:23:09Z","company":{"id":"c"}})",
                         event),
            std::nullopt);
  std::string body;
  build_body(event, R"({"id":"w"})", body);
  EXPECT_EQ(body,
            R"({"event":"E","eventId":"e","occurredAt":"2022-12-01T11:23:09Z","webhook":{"id":"w"},"company":{"id":"c"}})");
}

TEST(BuildBody, ReusesTheOutputStringAndClearsIt) {
  events::EventParser parser(kOneMiB);
  events::Event event;
  ASSERT_EQ(parser.parse(events::testing::kTodoCreated, event), std::nullopt);
  std::string body = "stale bytes";
  build_body(event, kWebhook, body);
  const std::string first = body;
  ASSERT_EQ(first.front(), '{');
  const char* storage = body.data();
  build_body(event, kWebhook, body);
  EXPECT_EQ(body, first);
  EXPECT_EQ(body.data(), storage);  // same size: no reallocation
}

TEST(BuildBody, HandBuiltEventWithOnlyRawKeys) {
  events::Event event;
  event.fields = {{"id", "\"e\"", {}}, {"event", "\"E\"", {}}, {"occurredAt", "\"t\"", {}}, {"company", "{}", {}}};
  std::string body;
  build_body(event, "{}", body);
  EXPECT_EQ(body, R"({"event":"E","eventId":"e","occurredAt":"t","webhook":{},"company":{}})");
}

}  // namespace
}  // namespace hookd::payload
