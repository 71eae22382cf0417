// Filters that must be refused (never treated as match-all), the limits at and just over
// their edge, and the subscription-level wiring: reasons, counting words, compiled once.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "filter_cases.h"
#include "subscriptions/parse.h"

namespace hookd::subscriptions {
namespace {

using Kind = FilterError::Kind;

struct Refused {
  std::string filter;
  Kind kind;
};

void PrintTo(const Refused& r, std::ostream* os) { *os << r.filter.substr(0, 120); }

class RefusedFilter : public ::testing::TestWithParam<Refused> {};

TEST_P(RefusedFilter, IsRefusedWithItsKind) {
  FilterResult result = compile_filter(GetParam().filter);
  const auto* error = std::get_if<FilterError>(&result);
  ASSERT_NE(error, nullptr) << "compiled, but must be refused";
  EXPECT_EQ(error->kind, GetParam().kind) << error->detail;
  EXPECT_FALSE(error->detail.empty());
}

std::string nested_not(int levels) {
  std::string filter = R"({"a": 1})";
  for (int i = 0; i < levels; ++i) filter = R"({"$not": )" + filter + "}";
  return filter;
}

std::string clauses(int count) {
  std::string filter = "{";
  for (int i = 0; i < count; ++i) filter += (i ? "," : "") + std::string("\"f") + std::to_string(i) + "\": 1";
  return filter + "}";
}

std::string regex_of(std::size_t bytes) { return R"({"a": {"$regex": ")" + std::string(bytes, 'a') + R"("}})"; }

std::string path_of(int segments) {
  std::string path = "a";
  for (int i = 1; i < segments; ++i) path += ".a";
  return "{\"" + path + "\": 1}";
}

std::string bytes_of(std::size_t size) {
  std::string filter = R"({"a": ")";
  filter += std::string(size - filter.size() - 2, 'x');
  return filter + "\"}";
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, RefusedFilter,
    ::testing::Values(
        Refused{"{", Kind::invalid}, Refused{"[]", Kind::invalid}, Refused{"1", Kind::invalid},
        Refused{R"({"a": 1} x)", Kind::invalid}, Refused{R"({"a": 1, "a": 2})", Kind::invalid},
        Refused{R"({"$foo": 1})", Kind::invalid}, Refused{R"({"$eq": 1})", Kind::invalid},
        Refused{R"({"a": {"$foo": 1}})", Kind::invalid}, Refused{R"({"a": {"$not": {"$eq": 1}}})", Kind::invalid},
        Refused{R"({"a": {"b": {"$or": [{"c": 1}]}}})", Kind::invalid},
        Refused{R"({"a": {"$eq": [1]}})", Kind::invalid}, Refused{R"({"a": {"$eq": {"x": 1}}})", Kind::invalid},
        Refused{R"({"a": {"$neq": []}})", Kind::invalid}, Refused{R"({"a": [1, 2]})", Kind::invalid},
        Refused{R"({"a": {}})", Kind::invalid}, Refused{R"({"a": {"$gt": true}})", Kind::invalid},
        Refused{R"({"a": {"$lte": null}})", Kind::invalid}, Refused{R"({"a": {"$lt": [1]}})", Kind::invalid},
        Refused{R"({"a": {"$in": "x"}})", Kind::invalid}, Refused{R"({"a": {"$nin": [[1]]}})", Kind::invalid},
        Refused{R"({"a": {"$in": [{"b": 1}]}})", Kind::invalid}, Refused{R"({"a": {"$exist": 1}})", Kind::invalid},
        Refused{R"({"a": {"$exist": "true"}})", Kind::invalid}, Refused{R"({"a": {"$regex": 1}})", Kind::invalid},
        Refused{R"({"a": {"$regex": "("}})", Kind::invalid}, Refused{R"({"a": {"$regex": "(a)\\1"}})", Kind::invalid},
        Refused{R"({"a": {"$regex": "(?<=a)b"}})", Kind::invalid},  // lookbehind: not RE2
        Refused{R"({"a": {"$eq": 1, "b": 2}})", Kind::invalid}, Refused{R"({"$and": []})", Kind::invalid},
        Refused{R"({"$and": {}})", Kind::invalid}, Refused{R"({"$and": [1]})", Kind::invalid},
        Refused{R"({"$or": "x"})", Kind::invalid}, Refused{R"({"$or": [{"a": 1}, []]})", Kind::invalid},
        Refused{R"({"$not": []})", Kind::invalid}, Refused{R"({"$not": {"a": {"$bad": 1}}})", Kind::invalid},
        Refused{R"({"a..b": 1})", Kind::invalid}, Refused{R"({".a": 1})", Kind::invalid},
        Refused{R"({"a.": 1})", Kind::invalid}, Refused{R"({"": 1})", Kind::invalid},
        Refused{R"({"$.a": 1})", Kind::invalid}, Refused{R"({"a.$x": 1})", Kind::invalid},
        Refused{R"({"a": {"b.$c": 1}})", Kind::invalid}));

INSTANTIATE_TEST_SUITE_P(
    Limits, RefusedFilter,
    ::testing::Values(Refused{nested_not(17), Kind::too_large}, Refused{clauses(65), Kind::too_large},
                      Refused{regex_of(1025), Kind::too_large}, Refused{path_of(33), Kind::too_large},
                      Refused{bytes_of(16 * 1024 + 1), Kind::too_large},
                      Refused{R"({"a": {"$regex": "\\pL{1000}"}})", Kind::too_large},  // RE2 program over budget
                      Refused{R"x({"a": {"$regex": "((a{100}){100}){100}"}})x", Kind::invalid}));

TEST(FilterLimits, AcceptedAtTheEdge) {
  for (const std::string& filter : {nested_not(16), clauses(64), regex_of(1024), path_of(32), bytes_of(16 * 1024)}) {
    EXPECT_TRUE(std::holds_alternative<std::shared_ptr<const Filter>>(compile_filter(filter))) << filter.substr(0, 80);
  }
}

TEST(FilterLimits, AnInListIsOneClause) {
  std::string values;
  for (int i = 0; i < 500; ++i) values += (i ? "," : "") + std::to_string(i);
  auto filter = testing::compiled(R"({"a": {"$in": [)" + values + "]}}");
  ASSERT_NE(filter, nullptr);
  EXPECT_EQ(filter->clauses().size(), 1u);
}

TEST(FilterCompile, SplitsPathsAndResolvesOperatorsOnce) {
  auto filter = testing::compiled(
      R"({"currentValue": {"todoTags.$.title": {"$in": ["b", "a", "b"]}, "done": true}, "$not": {"user.id": "u1"}})");
  ASSERT_NE(filter, nullptr);
  ASSERT_EQ(filter->clauses().size(), 3u);
  const filter::Clause& in = filter->clauses()[0];
  EXPECT_EQ(in.text, "currentValue.todoTags.$.title");
  ASSERT_EQ(in.path.size(), 4u);
  EXPECT_EQ(in.path[0].key, "currentValue");
  EXPECT_TRUE(in.path[2].any_element);
  EXPECT_EQ(in.op, filter::Op::in);
  EXPECT_EQ(in.set.strings, (std::vector<std::string>{"a", "b"}));  // sorted, unique
  EXPECT_EQ(filter->clauses()[1].op, filter::Op::eq);
  EXPECT_EQ(filter->root().children.back().kind, filter::Expr::Kind::negate);
}

std::string subscription_with(const std::string& filter) {
  return R"({"id":"w1","companyId":"c1","url":"https://hooks.example/in","filter":)" + filter + "}";
}

TEST(SubscriptionFilter, CompiledWhenTheSubscriptionIsParsed) {
  ParseResult result = parse_subscription("w1", subscription_with(R"({"currentValue.done": true})"));
  auto* s = std::get_if<std::shared_ptr<const Subscription>>(&result);
  ASSERT_NE(s, nullptr);
  ASSERT_NE((*s)->filter(), nullptr);
  EXPECT_EQ((*s)->filter()->clauses().size(), 1u);
}

TEST(SubscriptionFilter, AbsentNullOrEmptyMeansNoFilter) {
  for (const std::string& record :
       {std::string(R"({"id":"w1","companyId":"c1","url":"https://h/"})"), subscription_with("null"),
        subscription_with("{}")}) {
    ParseResult result = parse_subscription("w1", record);
    auto* s = std::get_if<std::shared_ptr<const Subscription>>(&result);
    ASSERT_NE(s, nullptr) << record;
    EXPECT_EQ((*s)->filter(), nullptr) << record;
  }
}

TEST(SubscriptionFilter, RefusedWithFixedReasons) {
  auto reason = [](const std::string& filter) {
    ParseResult result = parse_subscription("w1", subscription_with(filter));
    const auto* bad = std::get_if<Invalid>(&result);
    return bad ? std::string(to_string(bad->reason)) : std::string("accepted");
  };
  EXPECT_EQ(reason(R"({"a": {"$regex": "("}})"), "invalid_filter");
  EXPECT_EQ(reason(R"({"a": {"$foo": 1}})"), "invalid_filter");
  EXPECT_EQ(reason(nested_not(17)), "filter_too_large");
  EXPECT_EQ(reason(clauses(65)), "filter_too_large");
  EXPECT_EQ(reason("[1]"), "invalid_field");  // not an object at all: a field error, as before
  // Whitespace does not count against the 16 KiB: the compact form is measured.
  std::string spaced = bytes_of(16 * 1024);
  spaced.insert(1, 4096, ' ');
  EXPECT_EQ(reason(spaced), "accepted");
}

}  // namespace
}  // namespace hookd::subscriptions
