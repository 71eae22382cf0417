// The record filter language, table-driven: (filter, event, expected) for every operator,
// nesting, arrays, missing paths, type mismatches and unicode; then the filters that must be
// refused, with the reason.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "filter_cases.h"

namespace hookd::subscriptions {
namespace {

using testing::comment_by;
using testing::evaluates_to;
using testing::kTodoCreated;
using testing::kTodoUpdated;

struct Case {
  std::string filter;
  std::string event;
  bool expected;
};

// Printed by gtest when a case fails: the filter says which one.
void PrintTo(const Case& c, std::ostream* os) { *os << c.filter << " -> " << (c.expected ? "match" : "no match"); }

Case on_todo(std::string filter, bool expected) { return {std::move(filter), std::string(kTodoUpdated), expected}; }

class FilterCase : public ::testing::TestWithParam<Case> {};

TEST_P(FilterCase, Evaluates) {
  const Case& c = GetParam();
  EXPECT_TRUE(evaluates_to(c.filter, c.event, c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Equality, FilterCase,
    ::testing::Values(
        on_todo(R"({})", true),
        on_todo(R"({"currentValue.done": true})", true),
        on_todo(R"({"currentValue.done": false})", false),
        on_todo(R"({"currentValue.done": true, "previousValue.done": false})", true),  // became done
        Case{R"({"currentValue.done": true, "previousValue.done": false})", std::string(kTodoCreated), false},
        on_todo(R"({"currentValue": {"done": true}})", true),
        on_todo(R"({"currentValue": {"todoList": {"id": "list1"}}})", true),  // todos of one list
        on_todo(R"({"currentValue.todoList.id": "list2"})", false),
        Case{R"({"currentValue.todoList.id": "list2"})", std::string(kTodoCreated), true},
        on_todo(R"({"currentValue.count": 3})", true),
        on_todo(R"({"currentValue.count": 3.0})", true),
        on_todo(R"({"currentValue.count": 30e-1})", true),
        on_todo(R"({"currentValue.position": 32767.5})", true),
        on_todo(R"({"currentValue.big": 9007199254740993})", true),
        on_todo(R"({"currentValue.big": 9007199254740992})", false),  // integers compare exactly
        on_todo(R"({"currentValue.html": null})", true),
        on_todo(R"({"event": "TODO_UPDATED"})", true),
        on_todo(R"({"user.id": "u1"})", true),
        on_todo(R"({"project.id": "p1"})", true),
        on_todo(R"({"company": {"id": "c1"}})", true),
        on_todo(R"({"currentValue.title": {"$eq": "Fix the login bug"}})", true),
        on_todo(R"({"currentValue.title": {"$eq": "fix the login bug"}})", false),
        on_todo(R"({"currentValue.twice": 2})", true)));  // a repeated nested key: each counts

INSTANTIATE_TEST_SUITE_P(
    StrictTypes, FilterCase,
    ::testing::Values(
        on_todo(R"({"currentValue.count": "3"})", false),
        on_todo(R"({"currentValue.title": 3})", false),
        on_todo(R"({"currentValue.done": "true"})", false),
        on_todo(R"({"currentValue.done": 1})", false),
        on_todo(R"({"currentValue.done": null})", false),
        on_todo(R"({"currentValue.html": false})", false),
        on_todo(R"({"currentValue.count": {"$gt": "2"}})", false),
        on_todo(R"({"currentValue.done": {"$gt": 0}})", false),
        on_todo(R"({"currentValue.title": {"$lt": 5}})", false),
        on_todo(R"({"currentValue.count": {"$in": ["3"]}})", false),
        on_todo(R"({"currentValue.todoList": "list1"})", false),
        on_todo(R"({"currentValue.count": {"$neq": "3"}})", true)));  // different type: not equal

INSTANTIATE_TEST_SUITE_P(
    Comparisons, FilterCase,
    ::testing::Values(
        on_todo(R"({"currentValue.todoList.id": {"$neq": "list2"}})", true),
        on_todo(R"({"currentValue.todoList.id": {"$neq": "list1"}})", false),
        on_todo(R"({"currentValue.count": {"$gt": 2}})", true),
        on_todo(R"({"currentValue.count": {"$gt": 3}})", false),
        on_todo(R"({"currentValue.count": {"$gte": 3}})", true),
        on_todo(R"({"currentValue.count": {"$lt": 3}})", false),
        on_todo(R"({"currentValue.count": {"$lte": 3}})", true),
        on_todo(R"({"currentValue.count": {"$lt": 3.5}})", true),
        on_todo(R"({"currentValue.count": {"$gt": 1, "$lt": 5}})", true),
        on_todo(R"({"currentValue.count": {"$gt": 1, "$lt": 3}})", false),
        on_todo(R"({"currentValue.negative": {"$lt": -2000}})", true),
        on_todo(R"({"currentValue.negative": {"$eq": -2500}})", true),
        on_todo(R"({"currentValue.huge": {"$gt": 1e300}})", true),
        on_todo(R"({"currentValue.title": {"$gt": "A"}})", true),
        on_todo(R"({"currentValue.title": {"$lt": "Fix"}})", false),
        on_todo(R"({"currentValue.title": {"$gte": "Fix the login bug"}})", true),
        on_todo(R"({"currentValue.title": {"$gt": "Fix the login bug"}})", false),
        on_todo(R"({"currentValue.title": {"$lt": "fix"}})", true),  // bytewise: 'F' < 'f'
        on_todo(R"({"currentValue.customFields.value": {"$gt": 1000}})", true),  // custom field above
        on_todo(R"({"currentValue.customFields.value": {"$gt": 2000}})", false),
        on_todo(R"({"currentValue.todoList.id": {"$in": ["list1", "list9"]}})", true),
        on_todo(R"({"currentValue.todoList.id": {"$in": ["list8", "list9"]}})", false),
        on_todo(R"({"currentValue.todoList.id": {"$in": []}})", false),
        on_todo(R"({"currentValue.todoList.id": {"$nin": []}})", true),
        on_todo(R"({"currentValue.count": {"$in": [1, 2, 3]}})", true),
        on_todo(R"({"currentValue.html": {"$in": [null, "x"]}})", true),
        on_todo(R"({"currentValue.done": {"$in": [true]}})", true),
        on_todo(R"({"currentValue.done": {"$in": [false]}})", false),
        on_todo(R"({"currentValue.count": {"$nin": [1, 2]}})", true),
        on_todo(R"({"currentValue.count": {"$nin": [3]}})", false),
        on_todo(R"({"currentValue.html": {"$exist": true}})", true),  // null is present
        on_todo(R"({"currentValue.done": {"$exist": false}})", false),
        on_todo(R"({"previousValue.todoList.title": {"$exist": false}})", true),
        on_todo(R"({"currentValue.title": {"$regex": "login"}})", true),  // titles matching a pattern
        on_todo(R"({"currentValue.title": {"$regex": "^login"}})", false),
        on_todo(R"({"currentValue.title": {"$regex": "^Fix .* bug$"}})", true),
        on_todo(R"({"currentValue.title": {"$regex": "(?i)LOGIN"}})", true),
        on_todo(R"({"currentValue.count": {"$regex": "3"}})", false),
        on_todo(R"({"currentValue.html": {"$regex": ".*"}})", false),
        on_todo(R"({"currentValue.escaped": {"$regex": "a\"b"}})", true)));

INSTANTIATE_TEST_SUITE_P(
    MissingPaths, FilterCase,
    ::testing::Values(
        on_todo(R"({"currentValue.missing": null})", false),
        on_todo(R"({"currentValue.missing": {"$neq": "x"}})", false),
        on_todo(R"({"currentValue.missing": {"$nin": ["x"]}})", false),
        on_todo(R"({"currentValue.missing": {"$lt": 10}})", false),
        on_todo(R"({"currentValue.missing": {"$regex": ""}})", false),
        on_todo(R"({"currentValue.missing": {"$exist": true}})", false),
        on_todo(R"({"currentValue.missing": {"$exist": false}})", true),
        on_todo(R"({"nothing.at.all": 1})", false),
        on_todo(R"({"currentValue.title.length": 17})", false),  // a string has no members
        on_todo(R"({"currentValue.title.$": "x"})", false),      // $ on a non-array
        on_todo(R"({"currentValue.dotted.key": 1})", false),     // dots always split paths
        Case{R"({"previousValue.done": false})", std::string(kTodoCreated), false},  // previousValue null
        Case{R"({"previousValue": {"$eq": null}})", std::string(kTodoCreated), true},
        Case{R"({"user.id": {"$neq": "u1"}})", comment_by(""), false}));

INSTANTIATE_TEST_SUITE_P(
    Arrays, FilterCase,
    ::testing::Values(
        on_todo(R"({"currentValue.todoTags.title": "urgent"})", true),
        on_todo(R"({"currentValue.todoTags.title": "frontend"})", false),
        on_todo(R"({"currentValue.todoTags.$.title": "backend"})", true),
        on_todo(R"({"currentValue.todoTags": {"title": "urgent"}})", true),
        on_todo(R"({"currentValue.todoTags.title": {"$in": ["urgent", "frontend"]}})", true),  // tags in a set
        on_todo(R"({"currentValue.todoTags.title": {"$nin": ["urgent"]}})", false),
        on_todo(R"({"currentValue.todoTags.title": {"$nin": ["frontend"]}})", true),
        on_todo(R"({"currentValue.todoTags.title": {"$neq": "urgent"}})", false),  // one element equals
        on_todo(R"({"currentValue.todoTags.title": {"$neq": "x"}})", true),
        on_todo(R"({"currentValue.todoTags.title": {"$regex": "^urg"}})", true),
        on_todo(R"({"currentValue.todoTags.title": {"$exist": true}})", true),
        on_todo(R"({"currentValue.labels": "red"})", true),
        on_todo(R"({"currentValue.labels.$": "green"})", true),
        on_todo(R"({"currentValue.labels": {"$in": ["green"]}})", true),
        on_todo(R"({"currentValue.labels": {"$nin": ["blue"]}})", true),
        on_todo(R"({"currentValue.labels": {"$neq": "red"}})", false),
        on_todo(R"({"currentValue.todoUsers": {"$nin": ["u1"]}})", true),  // present, nothing equals
        on_todo(R"({"currentValue.todoUsers": "u1"})", false),
        on_todo(R"({"currentValue.todoUsers.id": {"$exist": true}})", false),
        on_todo(R"({"currentValue.todoUsers": {"$exist": true}})", true),
        on_todo(R"({"currentValue.customFields.name": "Budget", "currentValue.customFields.value": "high"})",
                true)));  // each clause may hold on a different element, as in Convoy

INSTANTIATE_TEST_SUITE_P(
    Nesting, FilterCase,
    ::testing::Values(
        on_todo(R"({"currentValue.nested.deep.deeper.value": "x"})", true),
        on_todo(R"({"currentValue": {"nested": {"deep.deeper": {"value": "x"}}}})", true),
        on_todo(R"({"currentValue": {"nested": {"deep": {"deeper": {"value": {"$in": ["y"]}}}}}})", false),
        on_todo(R"({"$or": [{"currentValue.done": false}, {"currentValue.count": 3}]})", true),
        on_todo(R"({"$or": [{"currentValue.done": false}, {"currentValue.count": 4}]})", false),
        on_todo(R"({"$and": [{"currentValue.done": true}, {"currentValue.count": 3}]})", true),
        on_todo(R"({"$and": [{"currentValue.done": true}, {"currentValue.count": 4}]})", false),
        on_todo(R"({"$not": {"currentValue.done": false}})", true),
        on_todo(R"({"$not": {"currentValue.done": true}})", false),
        on_todo(R"({"$not": {"currentValue.missing": 1}})", true),  // absent: inner fails, $not holds
        on_todo(R"({"$not": {"$not": {"currentValue.done": true}}})", true),
        on_todo(R"({"$or": [{"$and": [{"currentValue.done": true}, {"previousValue.done": false}]},
                            {"event": "TODO_CREATED"}]})", true),
        on_todo(R"({"currentValue.done": true, "$or": [{"user.id": "u9"}, {"user.id": "u1"}]})", true),
        on_todo(R"({"currentValue.done": true, "$not": {"user.id": "u1"}})", false),
        on_todo(R"({"$or": [{"$not": {"currentValue.done": true}}, {"currentValue.count": {"$gte": 4}}]})", false),
        Case{R"({"event": "COMMENT_CREATED", "user.id": {"$neq": "u1"}})", comment_by("u2"), true},  // someone else
        Case{R"({"event": "COMMENT_CREATED", "user.id": {"$neq": "u1"}})", comment_by("u1"), false}));

INSTANTIATE_TEST_SUITE_P(
    Unicode, FilterCase,
    ::testing::Values(
        on_todo(R"({"currentValue.note": "café"})", true),      // the event spells it "caf\u00e9"
        on_todo(R"({"currentValue.note": "caf\u00e9"})", true),
        on_todo(R"({"currentValue.note": "cafe"})", false),
        on_todo(R"({"currentValue.note": {"$regex": "^caf.$"}})", true),  // é is one character
        on_todo(R"({"currentValue.emoji": "😀"})", true),
        on_todo(R"({"currentValue.emoji": "\ud83d\ude00"})", true),
        on_todo(R"({"currentValue.emoji": {"$gt": "z"}})", true),  // bytewise: UTF-8 lead bytes sort high
        on_todo(R"({"currentValue.escaped": "a\"b"})", true),
        on_todo(R"({"currentValue.titled": "escaped key"})", true),  // the key is "ti\u0074led"
        on_todo(R"({"user.fullName": {"$regex": "^Jane\\s"}})", true),
        // An escaped key and value in "user", which the parser reads itself (and indexes).
        on_todo(R"({"user.name": "Zoë \"Z\""})", true),
        on_todo(R"({"user": {"name": {"$regex": "^Zoë"}}})", true),
        on_todo(R"({"user.tags": "a/b"})", true)));

TEST(FilterCases, TableHasAtLeastEightyCases) {
  std::size_t cases = 0;
  for (int i = 0; i < ::testing::UnitTest::GetInstance()->total_test_suite_count(); ++i) {
    const auto* suite = ::testing::UnitTest::GetInstance()->GetTestSuite(i);
    if (std::string_view(suite->name()).find("/FilterCase") != std::string_view::npos) {
      cases += static_cast<std::size_t>(suite->total_test_count());
    }
  }
  EXPECT_GE(cases, 80u);
}

}  // namespace
}  // namespace hookd::subscriptions
