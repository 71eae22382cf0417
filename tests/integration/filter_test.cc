// Record filters end to end: hookd as a process against the real broker and a real
// HTTPS receiver. A filtered webhook gets exactly the events its filter accepts from a mixed
// stream; a filter change applies within a second; an invalid filter refuses the webhook.
#include "integration/harness/scenario_test.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::HttpsReceiver;
using ::testing::HasSubstr;

class FilterTest : public ScenarioTest {
 protected:
  std::unique_ptr<HookdProcess> start_hookd() {
    return start_ready_hookd(scenario.config_yaml(ca.ca_file()));
  }


  // A todo event of company-a whose currentValue is `current` (raw JSON); no previousValue.
  void publish_todo(const std::string& id, const std::string& type, const std::string& current) {
    publisher.send(scenario.events, id, event_json({.id = id, .type = type, .current_value = current}));
  }

  // The event ids `receiver` got, once the marker webhook (no filter) has received
  // `last_event_id`: proof hookd has processed the whole stream before absences are judged.
  std::set<std::string> received_after_marker(const HttpsReceiver& receiver, const std::string& last_event_id) {
    EXPECT_TRUE(wait_for_event(marker, last_event_id, 30s));
    std::this_thread::sleep_for(300ms);  // deliveries of one event run concurrently
    std::set<std::string> ids;
    for (const auto& r : receiver.requests()) {
      const auto at = r.body.find("\"eventId\":\"");
      if (at == std::string::npos) continue;
      const auto start = at + 11;
      ids.insert(r.body.substr(start, r.body.find('"', start) - start));
    }
    return ids;
  }

  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost()}};
  HttpsReceiver marker{{.tls = true, .certificate = ca.localhost()}};
};

TEST_F(FilterTest, FilteredWebhookGetsExactlyTheMatchingEvents) {
  // Todos of list-1 that became done, or any todo tagged "urgent".
  publish_webhook({.id = "wh-filtered",
                   .url = receiver.url("/filtered", "localhost"),
                   .extra_fields = R"("filter":{"$or":[
                       {"currentValue.todoList.id":"list-1","currentValue.done":true,"previousValue.done":false},
                       {"currentValue.todoTags.title":{"$in":["urgent"]}}]})"});
  publish_webhook({.id = "wh-marker", .url = marker.url("/all", "localhost")});
  auto hookd = start_hookd();

  const auto todo = [](const std::string& list, bool done, const std::string& tags) {
    return R"({"id":"t","todoList":{"id":")" + list + R"("},"done":)" + (done ? "true" : "false") +
           R"(,"todoTags":[)" + tags + "]}";
  };
  const std::string urgent = R"({"title":"urgent"})";
  const std::string later = R"({"title":"later"})";
  publish_todo("evt-a", "TODO_DONE_STATUS_UPDATED", todo("list-1", true, ""));     // no previousValue: no
  publish_todo("evt-b", "TODO_CREATED", todo("list-1", false, urgent));            // urgent: yes
  publish_todo("evt-c", "TODO_CREATED", todo("list-2", true, later));              // no
  publish_todo("evt-d", "TODO_CREATED", todo("list-2", false, later + "," + urgent));  // urgent: yes
  publish_todo("evt-e", "TODO_CREATED", R"({"id":"t","title":"no list"})");        // no
  publisher.send(scenario.events, "evt-f",
                 R"({"id":"evt-f","event":"TODO_DONE_STATUS_UPDATED","occurredAt":"2022-12-01T11:23:09.241Z",)"
                 R"("company":{"id":"company-a"},"project":{"id":"project-1"},)"
                 R"("currentValue":{"todoList":{"id":"list-1"},"done":true},"previousValue":{"done":false}})");  // yes
  publisher.send(scenario.events, "evt-g",
                 R"({"id":"evt-g","event":"TODO_DONE_STATUS_UPDATED","occurredAt":"2022-12-01T11:23:09.241Z",)"
                 R"("company":{"id":"company-a"},"project":{"id":"project-1"},)"
                 R"("currentValue":{"todoList":{"id":"list-1"},"done":true},"previousValue":{"done":true}})");  // no
  publish_todo("evt-last", "TODO_CREATED", R"({"id":"t"})");

  EXPECT_EQ(received_after_marker(receiver, "evt-last"), (std::set<std::string>{"evt-b", "evt-d", "evt-f"}))
      << hookd->log();
  EXPECT_EQ(received_after_marker(marker, "evt-last").size(), 8u);
}

TEST_F(FilterTest, ChangingTheFilterChangesDeliveriesWithinASecond) {
  publish_webhook({.id = "wh-filtered", .url = receiver.url("/filtered", "localhost"),
                   .extra_fields = R"("filter":{"currentValue.todoList.id":"list-1"})"});
  publish_webhook({.id = "wh-marker", .url = marker.url("/all", "localhost")});
  auto hookd = start_hookd();
  publish_todo("evt-1", "TODO_CREATED", R"({"todoList":{"id":"list-1"}})");
  ASSERT_TRUE(wait_for_event(receiver, "evt-1", 30s)) << hookd->log();

  publish_webhook({.id = "wh-filtered", .url = receiver.url("/filtered", "localhost"),
                   .extra_fields = R"("filter":{"currentValue.todoList.id":{"$in":["list-2","list-3"]}})"});
  std::this_thread::sleep_for(1s);  // "within a second"
  publish_todo("evt-2", "TODO_CREATED", R"({"todoList":{"id":"list-1"}})");
  publish_todo("evt-3", "TODO_CREATED", R"({"todoList":{"id":"list-2"}})");
  publish_todo("evt-4", "TODO_CREATED", R"({"todoList":{"id":"list-3"}})");

  EXPECT_EQ(received_after_marker(receiver, "evt-4"), (std::set<std::string>{"evt-1", "evt-3", "evt-4"}))
      << hookd->log();
}

TEST_F(FilterTest, InvalidFilterRefusesTheWebhookAndIsCounted) {
  publish_webhook({.id = "wh-filtered", .url = receiver.url("/filtered", "localhost"),
                   .extra_fields = R"("filter":{"currentValue.done":true})"});
  publish_webhook({.id = "wh-marker", .url = marker.url("/all", "localhost")});
  auto hookd = start_hookd();
  publish_todo("evt-1", "TODO_CREATED", R"({"done":true})");
  ASSERT_TRUE(wait_for_event(receiver, "evt-1", 30s)) << hookd->log();

  // A regex RE2 cannot compile: the webhook is refused, never widened to match-all.
  publish_webhook({.id = "wh-filtered", .url = receiver.url("/filtered", "localhost"),
                   .extra_fields = R"("filter":{"currentValue.title":{"$regex":"(unclosed"}})"});
  std::this_thread::sleep_for(1s);
  publish_todo("evt-2", "TODO_CREATED", R"({"done":true})");
  publish_todo("evt-3", "TODO_CREATED", R"({"done":false})");

  EXPECT_EQ(received_after_marker(receiver, "evt-3"), (std::set<std::string>{"evt-1"})) << hookd->log();
  std::string metrics;
  EXPECT_EQ(hookd->admin_get("/metrics", &metrics), 200);
  EXPECT_THAT(metrics, HasSubstr("hookd_subscriptions_invalid_total{reason=\"invalid_filter\"} 1"));
  EXPECT_THAT(hookd->log(), HasSubstr("invalid_filter"));
}

}  // namespace
}  // namespace hookd::it
