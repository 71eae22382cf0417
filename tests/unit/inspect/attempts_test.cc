// The attempts view without Kafka: each source's records as rows, their merge, and output that
// is always one line of valid UTF-8.
#include "inspect/attempts.h"

#include "retry/records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hookd::inspect {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kT0 = 1'795'000'000'000;

retry::AttemptRecord attempt(std::int64_t at, const char* result, int status, const char* response = "") {
  return {at, result, status, 40, status ? "" : "connect refused", response};
}

TEST(AttemptRows, FromTheAttemptsLog) {
  const std::string log = retry::attempt_log_entry("msg_1", "wh-1", "evt-1", "TODO_CREATED", 2,
                                                   attempt(kT0, "5xx", 503), kT0 + 5000);
  const auto rows = rows_from_attempt_log(log, "wh-1");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].attempt, 2);
  EXPECT_EQ(rows[0].http_status, 503);
  EXPECT_EQ(rows[0].at_unix_ms, kT0);
  EXPECT_EQ(rows[0].next_due_unix_ms, kT0 + 5000);
  EXPECT_EQ(rows[0].delivery_id, "msg_1");
  EXPECT_TRUE(rows_from_attempt_log(log, "wh-2").empty());
  EXPECT_TRUE(rows_from_attempt_log("not json", "wh-1").empty());
}

TEST(AttemptRows, FromARetryRecordNumberedFromItsAttemptCountDeferralsRepeatingTheNext) {
  retry::RetryRecord record;
  record.delivery_id = "msg_1";
  record.webhook_id = "wh-1";
  record.event_id = "evt-1";
  record.event_type = "TODO_CREATED";
  record.attempts = 2;
  record.step = 1;
  record.history = {attempt(kT0, "5xx", 500, "down"), attempt(kT0 + 10, "origin_queue_full", 0),
                    attempt(kT0 + 20, "timeout", 0)};
  record.envelope = R"({"id":"evt-1"})";
  const auto rows = rows_from_retry_record(retry::serialize(record), "wh-1");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].attempt, 1);
  EXPECT_EQ(rows[0].excerpt, "down");
  EXPECT_EQ(rows[1].attempt, 2) << "a deferral repeats the number of the attempt it postponed";
  EXPECT_EQ(rows[2].attempt, 2);
  EXPECT_EQ(rows[2].error, "connect refused");
  EXPECT_TRUE(rows_from_retry_record(retry::serialize(record), "wh-2").empty());
}

TEST(AttemptRows, FromADeadLetterWithTheEventIdFromItsValue) {
  const std::string history = retry::attempts_json({attempt(kT0, "5xx", 503, "a"), attempt(kT0 + 5, "5xx", 503, "b")});
  const std::string event =
      R"({"id":"evt-9","event":"TODO_CREATED","occurredAt":"2026-11-23T10:00:00.000Z","company":{"id":"c"}})";
  const auto rows = rows_from_dead_letter("wh-1", "exhausted", history, event, "wh-1");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].event_id, "evt-9");
  EXPECT_EQ(rows[1].attempt, 2);
  EXPECT_EQ(rows[1].seen_in, "dead-letter:exhausted");
  EXPECT_TRUE(rows_from_dead_letter("wh-2", "exhausted", history, event, "wh-1").empty());
  EXPECT_TRUE(rows_from_dead_letter("wh-1", "exhausted", "[1]", event, "wh-1").empty());
}

TEST(AttemptRows, TheSameAttemptFromSeveralSourcesIsOneRow) {
  AttemptRow from_log;
  from_log.at_unix_ms = kT0;
  from_log.event_id = "e";
  from_log.webhook_id = "w";
  from_log.delivery_id = "msg";
  from_log.attempt = 1;
  from_log.result = "5xx";
  from_log.http_status = 500;
  from_log.next_due_unix_ms = kT0 + 100;
  from_log.seen_in = "log";
  AttemptRow from_retry = from_log;
  from_retry.excerpt = "boom";
  from_retry.next_due_unix_ms.reset();
  from_retry.seen_in = "retry";
  AttemptRow later = from_log;
  later.at_unix_ms = kT0 + 100;
  const auto rows = merge_rows({later, from_retry, from_log, from_retry});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].excerpt, "boom");
  EXPECT_EQ(rows[0].next_due_unix_ms, kT0 + 100);
  EXPECT_EQ(rows[0].seen_in, "retry+log");
  EXPECT_EQ(rows[1].at_unix_ms, kT0 + 100);
}

TEST(AttemptOutput, OneLineOfValidUtf8WhateverTheResponseHeld) {
  AttemptRow row;
  row.at_unix_ms = kT0;
  row.event_id = "e";
  row.webhook_id = "w";
  row.attempt = 3;
  row.result = "5xx";
  row.http_status = 502;
  row.duration_ms = 12;
  row.excerpt = "bad\ngateway \xff\xfe";
  const std::string line = table_line(row);
  EXPECT_THAT(line, Not(HasSubstr("\n")));
  EXPECT_THAT(line, HasSubstr("bad\\ngateway \xef\xbf\xbd"));
  EXPECT_THAT(line, HasSubstr("502"));
  EXPECT_THAT(line, HasSubstr("12ms"));
  const std::string json = json_line(row);
  EXPECT_THAT(json, HasSubstr(R"("attempt":3,"result":"5xx","status":502,"durationMs":12)"));
  EXPECT_THAT(json, HasSubstr(R"("nextDueAt":null)"));
  EXPECT_THAT(json, Not(HasSubstr("\xff")));
}

}  // namespace
}  // namespace hookd::inspect
