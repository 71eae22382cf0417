#include "replay/selection.h"
#include "replay/replayer.h"

#include "payload/delivery_id.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace hookd::replay {
namespace {

constexpr std::string_view kEvent =
    R"({"id":"evt-1","event":"TODO_CREATED","occurredAt":"2026-11-23T10:00:00.000Z","company":{"id":"c"}})";
constexpr std::string_view kSource = R"({"topic":"blue.events","partition":2,"offset":41})";
constexpr std::int64_t kAt = 1'800'000'000'000;

DeadLetterView delivery_letter() {
  DeadLetterView v;
  v.timestamp_ms = kAt;
  v.value = kEvent;
  v.kind = "delivery";
  v.reason = "exhausted";
  v.webhook_id = "wh-1";
  v.source = kSource;
  return v;
}

Filter window(std::int64_t since, std::optional<std::int64_t> until = std::nullopt) {
  Filter f;
  f.since_unix_ms = since;
  f.until_unix_ms = until;
  return f;
}
Filter for_webhook(std::string id) {
  Filter f;
  f.webhook_id = std::move(id);
  return f;
}
Filter for_reason(std::string reason) {
  Filter f;
  f.reason = std::move(reason);
  return f;
}

class SelectionTest : public ::testing::Test {
 protected:
  Decision decide_with(const DeadLetterView& letter, const Filter& filter = {}) {
    return decide(letter, filter, parser);
  }
  static std::optional<SkipReason> skip_reason(const Decision& d) {
    if (const auto* s = std::get_if<Skipped>(&d)) return s->reason;
    return std::nullopt;
  }
  events::EventParser parser{1 << 20};
};

TEST_F(SelectionTest, ADeliveryDeadLetterBecomesAFirstTierRecordThatStartsOver) {
  const auto decision = decide_with(delivery_letter(), window(kAt));
  const auto* replay = std::get_if<Replay>(&decision);
  ASSERT_NE(replay, nullptr);
  const auto& r = replay->record;
  EXPECT_EQ(r.delivery_id, payload::delivery_id("evt-1", "wh-1")) << "the same webhook-id as the original attempts";
  EXPECT_EQ(r.webhook_id, "wh-1");
  EXPECT_EQ(r.event_id, "evt-1");
  EXPECT_EQ(r.event_type, "TODO_CREATED");
  EXPECT_EQ(r.attempts, 0) << "the next attempt is numbered 1";
  EXPECT_EQ(r.step, 0);
  EXPECT_TRUE(r.history.empty());
  EXPECT_EQ(r.source.topic, "blue.events");
  EXPECT_EQ(r.source.partition, 2);
  EXPECT_EQ(r.source.offset, 41);
  EXPECT_EQ(replay->reason, "exhausted");

  // Serialized: body null, envelope the event bytes, readable by the retry loop's parser.
  const std::string bytes = retry::serialize(r);
  const auto json = boost::json::parse(bytes).as_object();
  EXPECT_TRUE(json.at("body").is_null());
  EXPECT_EQ(boost::json::serialize(json.at("envelope")), boost::json::serialize(boost::json::parse(kEvent)));
  const auto parsed = retry::parse_retry_record(bytes);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->body.empty());
  EXPECT_EQ(parsed->envelope, kEvent);
  EXPECT_EQ(parsed->record.attempts, 0);
  EXPECT_EQ(parsed->record.delivery_id, r.delivery_id);
}

TEST_F(SelectionTest, TheTimeWindowIsSinceInclusiveUntilExclusive) {
  auto letter = delivery_letter();
  EXPECT_TRUE(std::holds_alternative<Replay>(decide_with(letter, window(kAt))));
  EXPECT_TRUE(std::holds_alternative<NotInScope>(decide_with(letter, window(kAt + 1))));
  EXPECT_TRUE(std::holds_alternative<Replay>(decide_with(letter, window(0, kAt + 1))));
  EXPECT_TRUE(std::holds_alternative<NotInScope>(decide_with(letter, window(0, kAt))));
  letter.timestamp_ms = -1;  // a record without a timestamp is never in a window
  EXPECT_TRUE(std::holds_alternative<NotInScope>(decide_with(letter)));
}

TEST_F(SelectionTest, WebhookAndReasonFiltersSelect) {
  const auto letter = delivery_letter();
  EXPECT_TRUE(std::holds_alternative<Replay>(decide_with(letter, for_webhook("wh-1"))));
  EXPECT_TRUE(std::holds_alternative<NotInScope>(decide_with(letter, for_webhook("wh-2"))));
  EXPECT_TRUE(std::holds_alternative<Replay>(decide_with(letter, for_reason("exhausted"))));
  EXPECT_TRUE(std::holds_alternative<NotInScope>(decide_with(letter, for_reason("gone"))));
}

TEST_F(SelectionTest, InvalidEventsAreSkippedOrLeftOutByDeliveryFilters) {
  DeadLetterView invalid;
  invalid.timestamp_ms = kAt;
  invalid.value = "{not json";
  invalid.kind = "invalid_event";
  invalid.reason = "not_json";
  invalid.source = kSource;
  EXPECT_EQ(skip_reason(decide_with(invalid)), SkipReason::invalid_event);
  EXPECT_TRUE(std::holds_alternative<NotInScope>(decide_with(invalid, for_webhook("wh-1"))));
  EXPECT_TRUE(std::holds_alternative<NotInScope>(decide_with(invalid, for_reason("exhausted"))));
}

TEST_F(SelectionTest, TruncatedDeadLettersCannotBeReplayed) {
  auto letter = delivery_letter();
  letter.truncated = "true";
  letter.value = kEvent.substr(0, 20);
  EXPECT_EQ(skip_reason(decide_with(letter)), SkipReason::truncated);
}

TEST_F(SelectionTest, MalformedDeadLettersAreSkipped) {
  auto no_kind = delivery_letter();
  no_kind.kind.reset();
  EXPECT_EQ(skip_reason(decide_with(no_kind)), SkipReason::malformed);
  auto unknown_kind = delivery_letter();
  unknown_kind.kind = "something";
  EXPECT_EQ(skip_reason(decide_with(unknown_kind)), SkipReason::malformed);
  auto no_webhook = delivery_letter();
  no_webhook.webhook_id.reset();
  EXPECT_EQ(skip_reason(decide_with(no_webhook)), SkipReason::malformed);
  auto bad_source = delivery_letter();
  bad_source.source = R"({"topic":"t","partition":"x","offset":1})";
  EXPECT_EQ(skip_reason(decide_with(bad_source)), SkipReason::malformed);
  auto bad_event = delivery_letter();
  bad_event.value = R"({"id":"evt-1"})";  // a required field missing
  EXPECT_EQ(skip_reason(decide_with(bad_event)), SkipReason::malformed);
}

// hookd writes only webhook ids of the documented pattern; any other hookd-webhook-id names no
// webhook, and invalid UTF-8 in it would not even survive the retry record's JSON.
TEST_F(SelectionTest, ADeadLetterWhoseWebhookIdNoWebhookCanHaveIsMalformed) {
  for (const std::string& id : {std::string("wh\xff"), std::string("wh 1"), std::string("wh\r\nx-injected: 1"),
                               std::string(129, 'w'), std::string("")}) {
    auto odd = delivery_letter();
    odd.webhook_id = id;
    EXPECT_EQ(skip_reason(decide_with(odd)), SkipReason::malformed) << id;
  }
  auto longest = delivery_letter();
  const std::string id(128, 'w');
  longest.webhook_id = id;
  const Decision decision = decide_with(longest);
  EXPECT_NE(std::get_if<Replay>(&decision), nullptr);
}

TEST(ParseSource, ReadsTheHeaderHookdWrites) {
  const auto s = parse_source(R"({"topic":"t.x","partition":0,"offset":9007199254740993})");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->topic, "t.x");
  EXPECT_EQ(s->offset, 9007199254740993);
  EXPECT_FALSE(parse_source("not json").has_value());
  EXPECT_FALSE(parse_source(R"({"topic":"t","partition":-1,"offset":0})").has_value());
  EXPECT_FALSE(parse_source(R"([1,2])").has_value());
}

TEST(Reasons, OnlyDeliveryReasonsCanBeReplayed) {
  EXPECT_TRUE(is_delivery_reason("exhausted"));
  EXPECT_TRUE(is_delivery_reason("gone"));
  EXPECT_TRUE(is_delivery_reason("blocked"));
  EXPECT_FALSE(is_delivery_reason("not_json"));
  EXPECT_FALSE(is_delivery_reason(""));
}

TEST(Summary, NamesEveryCount) {
  ReplayStats s;
  s.scanned = 5;
  s.replayed = 2;
  s.not_in_scope = 1;
  s.skipped[static_cast<std::size_t>(SkipReason::invalid_event)] = 2;
  EXPECT_EQ(summary_line(s, false),
            "replay summary: scanned=5 replayed=2 skipped=2 (invalid_event=2 truncated=0 malformed=0) "
            "not_in_scope=1 failed=0");
  EXPECT_EQ(summary_line(s, true),
            "replay summary (dry run, nothing sent): scanned=5 would_replay=2 skipped=2 "
            "(invalid_event=2 truncated=0 malformed=0) not_in_scope=1");
}

}  // namespace
}  // namespace hookd::replay
