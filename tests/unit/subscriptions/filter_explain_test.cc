// Filter::explain, what `hookd explain` prints: every node with its verdict, the failing clause
// named with its path, operator and operand, and an absent path said so.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "filter_cases.h"

namespace hookd::subscriptions {
namespace {

using ::testing::HasSubstr;
using testing::compiled;
using testing::kTodoUpdated;

std::vector<Filter::ExplainLine> explain(std::string_view filter_json, std::string_view event_json) {
  auto filter = compiled(filter_json);
  if (!filter) return {};
  static events::EventParser parser(1 << 20);
  static events::Event event;
  EXPECT_FALSE(parser.parse(event_json, event).has_value());
  static EventDocument document;
  document.reset(event);
  return filter->explain(document);
}

TEST(FilterExplain, NamesTheClauseThatFailedAndKeepsEvaluatingTheOthers) {
  const auto lines = explain(R"({"currentValue.done": true, "currentValue.todoList.id": "list2",
                                 "currentValue.count": {"$gte": 3}})",
                             kTodoUpdated);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "all of:");
  EXPECT_FALSE(lines[0].holds);
  EXPECT_EQ(lines[0].depth, 0u);
  EXPECT_EQ(lines[1].text, "currentValue.done $eq true");
  EXPECT_TRUE(lines[1].holds);
  EXPECT_EQ(lines[1].depth, 1u);
  EXPECT_EQ(lines[2].text, "currentValue.todoList.id $eq \"list2\"");
  EXPECT_FALSE(lines[2].holds);
  // Evaluated although the filter already failed: every clause gets its own verdict.
  EXPECT_EQ(lines[3].text, "currentValue.count $gte 3");
  EXPECT_TRUE(lines[3].holds);
}

TEST(FilterExplain, NestingAndAbsentPaths) {
  const auto lines = explain(R"({"$or": [{"currentValue.missing": "x"}, {"$not": {"currentValue.done": true}}],
                                 "currentValue.labels": {"$in": ["blue", "green"]}})",
                             kTodoUpdated);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_FALSE(lines[0].holds);
  EXPECT_EQ(lines[1].text, "any of:");
  EXPECT_FALSE(lines[1].holds);
  EXPECT_EQ(lines[2].text, "currentValue.missing $eq \"x\" (path absent)");
  EXPECT_EQ(lines[2].depth, 2u);
  EXPECT_EQ(lines[3].text, "not:");
  EXPECT_FALSE(lines[3].holds);
  EXPECT_TRUE(lines[4].holds);
  EXPECT_EQ(lines[4].depth, 3u);
  EXPECT_EQ(lines[4].text, "currentValue.done $eq true");
  EXPECT_EQ(lines[5].text, "currentValue.labels $in [\"blue\", \"green\"]");
  EXPECT_EQ(lines[5].depth, 1u);
  EXPECT_TRUE(lines[5].holds);
}

TEST(FilterExplain, RegexAndExistOperandsAreShown) {
  const auto lines = explain(R"({"currentValue.title": {"$regex": "^Fix"}, "currentValue.gone": {"$exist": true}})",
                             kTodoUpdated);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].text, "currentValue.title $regex /^Fix/");
  EXPECT_TRUE(lines[1].holds);
  EXPECT_EQ(lines[2].text, "currentValue.gone $exist true");
  EXPECT_FALSE(lines[2].holds);
}

}  // namespace
}  // namespace hookd::subscriptions
