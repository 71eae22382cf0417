// inspect::explain on a snapshot built from subscription records: the verdict is the
// snapshot's own match, and each rule that says no is named.
#include "inspect/explain.h"

#include "events/parser.h"
#include "subscriptions/table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hookd::inspect {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ExplainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(table.apply("wh-1", R"({"id":"wh-1","url":"https://example.com/h","companyId":"c1",
        "metadata":{"events":["TODO_CREATED"],"projectIds":["p1"]},"filter":{"currentValue.done":true}})"));
    ASSERT_FALSE(table.apply("wh-off", R"({"id":"wh-off","url":"https://example.com/h","companyId":"c1","enabled":false})"));
    snapshot = table.build_snapshot();
  }

  Explanation explain_event(std::string_view webhook, const std::string& json) {
    EXPECT_FALSE(parser.parse(json, event).has_value()) << json;
    return explain(*snapshot, webhook, event);
  }

  static std::string event_json(const char* type, const char* company, const char* project, bool done) {
    return std::string(R"({"id":"e1","event":")") + type + R"(","occurredAt":"2026-11-23T10:00:00.000Z","company":{"id":")" +
           company + R"("},"project":{"id":")" + project + R"("},"currentValue":{"done":)" + (done ? "true" : "false") +
           "}}";
  }

  subscriptions::SubscriptionTable table;
  std::shared_ptr<const subscriptions::Snapshot> snapshot;
  events::EventParser parser{1 << 20};
  events::Event event;
};

TEST_F(ExplainTest, AMatchPassesEveryRule) {
  const auto e = explain_event("wh-1", event_json("TODO_CREATED", "c1", "p1", true));
  EXPECT_TRUE(e.match);
  EXPECT_TRUE(e.failed.empty());
  EXPECT_THAT(e.lines, Contains(HasSubstr("ok   filter: holds")));
}

TEST_F(ExplainTest, EachRuleThatSaysNoIsNamed) {
  auto e = explain_event("wh-1", event_json("TODO_DELETED", "c2", "p2", false));
  EXPECT_FALSE(e.match);
  EXPECT_THAT(e.failed, ElementsAre("company", "event type", "project", "filter"));
  EXPECT_THAT(e.lines, Contains(HasSubstr("FAIL event type: TODO_DELETED is not in metadata.events [TODO_CREATED]")));
  EXPECT_THAT(e.lines, Contains(HasSubstr("FAIL currentValue.done $eq true")));

  e = explain_event("wh-1", event_json("TODO_CREATED", "c1", "p1", false));
  EXPECT_FALSE(e.match);
  EXPECT_THAT(e.failed, ElementsAre("filter"));
}

TEST_F(ExplainTest, DisabledAndUnknownWebhooks) {
  auto e = explain_event("wh-off", event_json("TODO_CREATED", "c1", "p1", true));
  EXPECT_FALSE(e.match);
  EXPECT_THAT(e.failed, ElementsAre("enabled"));
  e = explain_event("wh-gone", event_json("TODO_CREATED", "c1", "p1", true));
  EXPECT_FALSE(e.match);
  EXPECT_THAT(e.failed, ElementsAre("webhook"));
}

}  // namespace
}  // namespace hookd::inspect
