// Events and helpers shared by the record filter tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "events/parser.h"
#include "subscriptions/filter.h"
#include "subscriptions/filter_document.h"

namespace hookd::subscriptions::testing {

// A TODO update with every kind of value the cases need: nested objects, arrays of objects
// and of scalars, an empty array, null, escapes, non-ASCII text, a key with a dot.
inline constexpr std::string_view kTodoUpdated = R"({"id":"evt_1","event":"TODO_UPDATED",
  "occurredAt":"2022-12-01T11:23:09.241Z","company":{"id":"c1"},"project":{"id":"p1"},
  "user":{"id":"u1","fullName":"Jane Doe","n\u0061me":"Zo\u00eb \"Z\"","tags":["a\/b"]},
  "currentValue":{"id":"t1","title":"Fix the login bug","done":true,"position":32767.5,"count":3,
    "big":9007199254740993,"negative":-2.5e3,"huge":1e400,
    "todoList":{"id":"list1","title":"Sprint 12"},
    "todoTags":[{"id":"tag1","title":"urgent"},{"id":"tag2","title":"backend"}],
    "todoUsers":[],"labels":["red","green"],
    "customFields":[{"name":"Budget","value":1500},{"name":"Priority","value":"high"}],
    "nested":{"deep":{"deeper":{"value":"x"}}},
    "html":null,"note":"caf\u00e9","emoji":"😀","escaped":"a\"b","dotted.key":1,
    "ti\u0074led":"escaped key","twice":1,"twice":2},
  "previousValue":{"id":"t1","title":"Fix login","done":false,"todoList":{"id":"list1"}}})";

inline constexpr std::string_view kTodoCreated = R"({"id":"evt_2","event":"TODO_CREATED",
  "occurredAt":"2022-12-01T11:23:09.241Z","company":{"id":"c1"},"project":{"id":"p1"},
  "user":{"id":"u1"},"previousValue":null,
  "currentValue":{"id":"t2","title":"New","done":false,"todoList":{"id":"list2"}}})";

inline std::string comment_by(std::string_view user) {
  std::string user_field = user.empty() ? "" : R"("user":{"id":")" + std::string(user) + R"("},)";
  return R"({"id":"evt_3","event":"COMMENT_CREATED","occurredAt":"2022-12-01T11:23:09.241Z",)"
         R"("company":{"id":"c1"},)" + user_field +
         R"("currentValue":{"id":"cm1","text":"Looks good","category":"TODO"}})";
}

inline std::shared_ptr<const Filter> compiled(std::string_view filter_json) {
  FilterResult result = compile_filter(filter_json);
  if (const auto* error = std::get_if<FilterError>(&result)) {
    ADD_FAILURE() << "filter refused: " << error->detail << "\n  filter: " << filter_json;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Filter>>(result);
}

// Compiles `filter_json`, parses `event_json` with the real event parser and evaluates.
inline ::testing::AssertionResult evaluates_to(std::string_view filter_json, std::string_view event_json,
                                               bool expected) {
  auto filter = compiled(filter_json);
  if (!filter) return ::testing::AssertionFailure() << "filter refused";
  events::EventParser parser(1 << 20);
  events::Event event;
  if (auto invalid = parser.parse(event_json, event)) {
    return ::testing::AssertionFailure() << "event refused: " << events::to_string(*invalid);
  }
  EventDocument document;
  document.reset(event);
  const bool got = filter->matches(document);
  if (got != expected) return ::testing::AssertionFailure() << "expected " << expected << ", got " << got;
  // `hookd explain` must give every case the verdict the data path gives.
  if (filter->explain(document).front().holds != expected) {
    return ::testing::AssertionFailure() << "explain disagrees: expected " << expected;
  }

  // The same event with no field indexed: every path is read by the document's own scanner
  // (the path of id, event, occurredAt and of fields too large to index), which must agree.
  events::Event unindexed = event;
  for (auto& field : unindexed.fields) field.first_value = -1;
  unindexed.values.clear();
  document.reset(unindexed);
  const bool scanned = filter->matches(document);
  if (scanned != expected) {
    return ::testing::AssertionFailure() << "expected " << expected << ", got " << scanned << " from the raw bytes";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace hookd::subscriptions::testing
