// Record filters inside Snapshot::match: evaluated after tenant, type and project, and only
// then; one thread-local document per thread, reset for every event; a warm match with
// filters allocates nothing but the output's growth.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "events/parser.h"
#include "filter_cases.h"
#include "subscriptions/parse.h"
#include "subscriptions/snapshot.h"

namespace hookd::subscriptions {
namespace {

std::shared_ptr<const Subscription> webhook(const std::string& id, const std::string& company,
                                            const std::string& filter, const std::string& events = "[]") {
  const std::string record = R"({"id":")" + id + R"(","companyId":")" + company +
                             R"(","url":"https://hooks.example/in","metadata":{"events":)" + events + "}" +
                             (filter.empty() ? "" : R"(,"filter":)" + filter) + "}";
  ParseResult result = parse_subscription(id, record);
  if (auto* bad = std::get_if<Invalid>(&result)) {
    ADD_FAILURE() << bad->detail;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Subscription>>(result);
}

std::vector<std::string> ids(const std::vector<const Subscription*>& matches) {
  std::vector<std::string> out;
  for (const auto* s : matches) out.emplace_back(s->id());
  return out;
}

std::string todo(const std::string& company, const std::string& list, bool done) {
  return R"({"id":"e1","event":"TODO_UPDATED","occurredAt":"2022-12-01T11:23:09.241Z","company":{"id":")" +
         company + R"("},"currentValue":{"done":)" + (done ? "true" : "false") + R"(,"todoList":{"id":")" + list +
         R"("}}})";
}

class FilteredSnapshot : public ::testing::Test {
 protected:
  FilteredSnapshot()
      : snapshot_(SubscriptionsById{
            webhook("a_plain", "c1", ""),
            webhook("b_list1", "c1", R"({"currentValue.todoList.id": "list1"})"),
            webhook("c_done", "c1", R"({"currentValue.done": true})"),
            webhook("d_comments", "c1", R"({"currentValue.done": true})", R"(["COMMENT_CREATED"])"),
            webhook("e_other_tenant", "c2", R"({"currentValue.todoList.id": "list1"})"),
        }) {}

  std::vector<std::string> match(const std::string& bytes) {
    events::Event event;
    EXPECT_FALSE(parser_.parse(bytes, event).has_value());
    std::vector<const Subscription*> out;
    snapshot_.match(event, out);
    return ids(out);
  }

  Snapshot snapshot_;
  events::EventParser parser_{1 << 20};
};

TEST_F(FilteredSnapshot, DeliversExactlyWhatEachFilterAccepts) {
  EXPECT_EQ(match(todo("c1", "list1", true)), (std::vector<std::string>{"a_plain", "b_list1", "c_done"}));
  EXPECT_EQ(match(todo("c1", "list2", true)), (std::vector<std::string>{"a_plain", "c_done"}));
  EXPECT_EQ(match(todo("c1", "list1", false)), (std::vector<std::string>{"a_plain", "b_list1"}));
  EXPECT_EQ(match(todo("c1", "list2", false)), (std::vector<std::string>{"a_plain"}));
}

TEST_F(FilteredSnapshot, AFilterNeverCrossesTenants) {
  // c2's webhook filters on list1; c1's event with list1 must still not reach it.
  EXPECT_EQ(match(todo("c2", "list1", true)), (std::vector<std::string>{"e_other_tenant"}));
  EXPECT_EQ(match(todo("c3", "list1", true)), (std::vector<std::string>{}));
}

TEST_F(FilteredSnapshot, TheDocumentIsResetForEveryEvent) {
  // Same parser, same Event object address: stale tapes would answer the previous event.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(match(todo("c1", "list1", true)).size(), 3u);
    EXPECT_EQ(match(todo("c1", "list2", false)).size(), 1u);
  }
}

TEST_F(FilteredSnapshot, EachThreadHasItsOwnDocument) {
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      events::EventParser parser(1 << 20);
      events::Event event;
      for (int i = 0; i < 500; ++i) {
        const bool done = (i + t) % 2 == 0;
        if (parser.parse(todo("c1", "list1", done), event)) ++wrong[t];
        std::vector<const Subscription*> out;
        snapshot_.match(event, out);
        if (out.size() != (done ? 3u : 2u)) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, (std::vector<int>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace hookd::subscriptions
