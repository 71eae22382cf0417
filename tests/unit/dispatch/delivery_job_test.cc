// A retry record is input (docs/retries.md, "At retry time"): what goes out in a retry's
// headers comes from the envelope and the webhook, never from ids the record claims.
#include "dispatch/delivery_job.h"

#include "events/parser.h"
#include "payload/delivery_id.h"

#include <gtest/gtest.h>

namespace hookd::dispatch {
namespace {

constexpr std::string_view kEnvelope =
    R"({"id":"evt-42","event":"TODO_CREATED","occurredAt":"2022-12-01T11:23:09.241Z","company":{"id":"company-a"}})";

TEST(DeliveryJobFromRetry, TakesTheDeliveryIdAndEventTypeFromTheEnvelope) {
  kafka::CompletionQueue completions;
  auto ticket = std::make_shared<EventTicket>(kafka::RecordPosition{1, "hookd.retry.5s", 0, 7}, 1, completions,
                                              std::string(kEnvelope));
  events::EventParser parser(64 * 1024);
  events::Event event;
  ASSERT_FALSE(parser.parse(ticket->envelope, event));
  const auto webhook = subscriptions::Subscription::make({.id = "wh-1", .webhook_json = R"({"id":"wh-1"})"});

  retry::RetryRecord record;
  record.delivery_id = "msg_forged\r\nx-injected: 1";
  record.webhook_id = "wh-1";
  record.event_id = "evt-other";
  record.event_type = "SOMETHING_ELSE";
  record.attempts = 2;
  record.step = 1;
  record.source = {"blue.events", 3, 99};
  const auto job = DeliveryJob::from_retry(ticket, *webhook, record, event, R"({"event":"TODO_CREATED"})");

  EXPECT_EQ(job->delivery_id, payload::delivery_id("evt-42", "wh-1")) << "the same id as the first attempt's";
  EXPECT_EQ(job->event_id, "evt-42");
  EXPECT_EQ(job->event_type, "TODO_CREATED");
  // What the record carries about its own progress is kept (parse_retry_record bounds it).
  EXPECT_EQ(job->attempt, 3);
  EXPECT_EQ(job->step, 1);
  EXPECT_EQ(job->origin.offset, 99);
  EXPECT_EQ(*job->body, R"({"event":"TODO_CREATED"})");
}

}  // namespace
}  // namespace hookd::dispatch
