#include "retry/records.h"
#include "support/utf8_check.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace hookd::retry {
namespace {

TEST(RetryRecord, EmbedsBodyAndEnvelopeRaw) {
  RetryRecord r;
  r.delivery_id = "msg_abc";
  r.webhook_id = "wh1";
  r.event_id = "evt\"1";
  r.event_type = "TODO_CREATED";
  r.attempts = 1;
  r.source = {"blue.events", 3, 42};
  r.history.push_back({1700000000123, "5xx", 503, 12, "", ""});
  r.body = R"({"event":"TODO_CREATED","x":  1})";
  r.envelope = R"({"id":"evt\"1"})";
  const std::string text = serialize(r);
  EXPECT_NE(text.find(R"("body":{"event":"TODO_CREATED","x":  1})"), std::string::npos) << text;
  const auto json = boost::json::parse(text).as_object();
  EXPECT_EQ(json.at("eventId").as_string(), "evt\"1");
  EXPECT_EQ(json.at("attempts").as_int64(), 1);
  EXPECT_EQ(json.at("source").at("offset").as_int64(), 42);
  EXPECT_EQ(json.at("history").at(0).at("status").as_int64(), 503);
  EXPECT_EQ(json.at("history").at(0).at("at").as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_TRUE(json.at("history").at(0).at("error").is_null());
}

TEST(Tiers, TopicNamesAndDistinctDelays) {
  EXPECT_EQ(tier_topic("hookd.retry", "5s"), "hookd.retry.5s");
  EXPECT_EQ(distinct_tiers({"5s", "5m", "10h", "10h"}), (std::vector<std::string>{"5s", "5m", "10h"}));
}

std::string header(const DeadLetterMessage& m, const std::string& name) {
  for (const auto& [k, v] : m.headers)
    if (k == name) return v;
  return "<absent>";
}

TEST(DeadLetter, InvalidEventCarriesReasonAndSource) {
  const std::string event = "not json";
  DeadLetter letter{DeadLetterKind::invalid_event, "not_json", {"blue.events", 0, 7}, "", {}};
  const auto m = make_dead_letter(letter, event);
  EXPECT_EQ(m.value, event);
  EXPECT_EQ(header(m, "hookd-kind"), "invalid_event");
  EXPECT_EQ(header(m, "hookd-reason"), "not_json");
  EXPECT_EQ(header(m, "hookd-source"), R"({"topic":"blue.events","partition":0,"offset":7})");
  EXPECT_EQ(header(m, "hookd-webhook-id"), "<absent>");
  EXPECT_EQ(header(m, "hookd-truncated"), "<absent>");
}

TEST(DeadLetter, DeliveryCarriesWebhookAndAttempts) {
  DeadLetter letter{DeadLetterKind::delivery, "blocked", {"blue.events", 1, 2}, "wh9",
                    {{1700000000000, "blocked", 0, 0, "address not globally reachable", ""}}};
  const auto m = make_dead_letter(letter, "{}");
  EXPECT_EQ(header(m, "hookd-webhook-id"), "wh9");
  const auto attempts = boost::json::parse(header(m, "hookd-attempts")).as_array();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].at("result").as_string(), "blocked");
  EXPECT_TRUE(attempts[0].at("status").is_null());
}

TEST(DeadLetter, OversizedValueIsTruncatedAndMarked) {
  const std::string event(2 * 1024 * 1024, 'x');
  const auto m = make_dead_letter({DeadLetterKind::invalid_event, "too_large", {}, "", {}}, event);
  EXPECT_EQ(m.value.size(), kTruncatedDeadLetterValue);
  EXPECT_EQ(header(m, "hookd-truncated"), "true");
}

}  // namespace
}  // namespace hookd::retry

namespace hookd::retry {
namespace {

TEST(RetryRecordParse, RoundTripsEveryFieldAndTheExactBytes) {
  RetryRecord r;
  r.delivery_id = "msg_1";
  r.webhook_id = "wh\"1";
  r.event_id = "evt-1";
  r.event_type = "TODO_CREATED";
  r.attempts = 3;
  r.step = 2;
  r.source = {"blue.events", 4, 99};
  r.history.push_back({1700000000123, "5xx", 503, 12, "", "Service \"Unavailable\"\n"});
  r.history.push_back({1700000001000, "timeout", 0, 7000, "example.com: timed out", ""});
  r.body = R"({"event":"TODO_CREATED",  "a": [1, 2.50, "x"]})";
  r.envelope = R"({"id":"evt-1","event":"TODO_CREATED"})";
  const auto parsed = parse_retry_record(serialize(r));
  ASSERT_TRUE(parsed);
  const auto back = parsed->with_bytes();
  EXPECT_EQ(back.delivery_id, r.delivery_id);
  EXPECT_EQ(back.webhook_id, r.webhook_id);
  EXPECT_EQ(back.attempts, 3);
  EXPECT_EQ(back.step, 2);
  EXPECT_EQ(back.source.offset, 99);
  ASSERT_EQ(back.history.size(), 2u);
  EXPECT_EQ(back.history[0].at_unix_ms, 1700000000123);
  EXPECT_EQ(back.history[0].http_status, 503);
  EXPECT_EQ(back.history[0].response, "Service \"Unavailable\"\n");
  EXPECT_EQ(back.history[1].error, "example.com: timed out");
  EXPECT_EQ(back.body, r.body) << "the body comes back byte for byte";
  EXPECT_EQ(back.envelope, r.envelope);
}

TEST(RetryRecordParse, NullBodyMeansRebuild) {
  RetryRecord r;
  r.delivery_id = "msg_1";
  r.webhook_id = "wh";
  r.event_id = "e";
  r.event_type = "X";
  r.envelope = R"({"id":"e"})";
  const auto text = serialize(r);
  EXPECT_NE(text.find("\"body\":null"), std::string::npos);
  const auto parsed = parse_retry_record(text);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->body.empty());
}

TEST(RetryRecordParse, RefusesWhatHookdDidNotWrite) {
  for (const char* bad : {"", "{}", "[]", "not json", R"({"deliveryId":"x"})"}) {
    EXPECT_FALSE(parse_retry_record(bad)) << bad;
  }
}

}  // namespace
}  // namespace hookd::retry

namespace hookd::retry {
namespace {

TEST(AttemptLog, CarriesTheContractFieldsAndNoSecrets) {
  const AttemptRecord a{1700000000000, "5xx", 502, 31, "x.example:443: bad gateway", "upstream said no"};
  const auto pending = boost::json::parse(attempt_log_entry("msg_1", "wh1", "e1", "TODO_CREATED", 2, a,
                                                            1700000300000)).as_object();
  EXPECT_EQ(pending.at("deliveryId").as_string(), "msg_1");
  EXPECT_EQ(pending.at("attempt").as_int64(), 2);
  EXPECT_EQ(pending.at("status").as_int64(), 502);
  EXPECT_EQ(pending.at("durationMs").as_int64(), 31);
  EXPECT_EQ(pending.at("nextDueAt").as_string(), "2023-11-14T22:18:20.000Z");
  EXPECT_FALSE(pending.contains("response")) << "the attempts log carries no response or request body";
  const auto final_entry = boost::json::parse(attempt_log_entry("m", "w", "e", "X", 8, a, std::nullopt)).as_object();
  EXPECT_TRUE(final_entry.at("nextDueAt").is_null());
}

}  // namespace
}  // namespace hookd::retry

namespace hookd::retry {
namespace {

AttemptRecord at(std::int64_t unix_ms) {
  AttemptRecord r;
  r.at_unix_ms = unix_ms;
  return r;
}

TEST(History, KeepsTheMostRecentEntriesOnly) {
  std::vector<AttemptRecord> history;
  for (int i = 0; i < 50; ++i) append_history(history, at(i));
  ASSERT_EQ(history.size(), kMaxHistory);
  EXPECT_EQ(history.front().at_unix_ms, 50 - static_cast<std::int64_t>(kMaxHistory));
  EXPECT_EQ(history.back().at_unix_ms, 49);
}

TEST(History, ALongerHistoryReadBackIsCutOnTheNextAppend) {
  std::vector<AttemptRecord> history(kMaxHistory + 5);
  append_history(history, at(7));
  EXPECT_EQ(history.size(), kMaxHistory);
  EXPECT_EQ(history.back().at_unix_ms, 7);
}

}  // namespace
}  // namespace hookd::retry

// A receiver's error body goes into the history as received: whatever its bytes, the record
// must read back (docs/contract.md, "Failed attempts").
namespace hookd::retry {
namespace {

using test_support::is_valid_utf8;

// Bodies receivers really send: Latin-1, gzip, a UTF-8 character cut by the 1 KiB excerpt,
// stray continuation bytes, NUL.
std::vector<std::string> hostile_bodies() {
  std::string cut(1023, 'a');
  cut += "\xE2\x82\xAC";  // the euro sign straddles byte 1024
  cut.resize(1024);
  return {"Erreur interne: donn\xE9"
          "es invalides",
          std::string("\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03\xCB\x48\xCD\xC9\xC9\x07\x00", 17),
          cut,
          "\x80\x81\xBF lone continuation bytes",
          std::string("nul\0inside", 10),
          "\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80\xFF",
          "ok \xF0\x9F\x98\x80 then cut \xF0\x9F\x98"};
}

RetryRecord record_with_history(const std::vector<AttemptRecord>& history) {
  RetryRecord r;
  r.delivery_id = "msg_1";
  r.webhook_id = "wh1";
  r.event_id = "evt-1";
  r.event_type = "TODO_CREATED";
  r.attempts = static_cast<int>(history.size());
  r.step = 0;
  r.source = {"blue.events", 0, 1};
  r.history = history;
  r.body = R"({"event":"TODO_CREATED"})";
  r.envelope = R"({"id":"evt-1"})";
  return r;
}

void expect_every_string_valid(const boost::json::value& v) {
  if (v.is_string()) {
    EXPECT_TRUE(is_valid_utf8(v.get_string())) << v;
  } else if (v.is_array()) {
    for (const auto& e : v.get_array()) expect_every_string_valid(e);
  } else if (v.is_object()) {
    for (const auto& [k, e] : v.get_object()) {
      EXPECT_TRUE(is_valid_utf8(k));
      expect_every_string_valid(e);
    }
  }
}

TEST(RetryRecordParse, AHistoryOfResponsesThatAreNotUtf8ReadsBack) {
  std::vector<AttemptRecord> history;
  for (const auto& body : hostile_bodies()) {
    history.push_back({1700000000000, "5xx", 500, 3, body.substr(0, 40), body});
  }
  const std::string text = serialize(record_with_history(history));
  ASSERT_TRUE(is_valid_utf8(text));
  const auto parsed = parse_retry_record(text);
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  ASSERT_EQ(parsed->record.history.size(), history.size());
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& back = parsed->record.history[i];
    EXPECT_TRUE(is_valid_utf8(back.response)) << i;
    EXPECT_TRUE(is_valid_utf8(back.error)) << i;
    EXPECT_EQ(back.http_status, 500);
    if (is_valid_utf8(history[i].response)) {
      EXPECT_EQ(back.response, history[i].response);
    }
  }
  EXPECT_EQ(parsed->record.history[4].response, std::string("nul\0inside", 10)) << "NUL escaped, not lost";
  EXPECT_EQ(parsed->body, R"({"event":"TODO_CREATED"})");
}

TEST(DeadLetter, AttemptsHeaderIsValidJsonWhateverTheResponses) {
  std::vector<AttemptRecord> history;
  for (const auto& body : hostile_bodies()) history.push_back({1700000000000, "4xx", 400, 1, body, body});
  const auto m = make_dead_letter({DeadLetterKind::delivery, "exhausted", {"blue.events", 0, 1}, "wh1", history}, "{}");
  const std::string attempts = header(m, "hookd-attempts");
  ASSERT_TRUE(is_valid_utf8(attempts));
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(attempts, ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(parsed.as_array().size(), history.size());
  expect_every_string_valid(parsed);
}

TEST(RetryRecordParse, RandomBytesInTheHistoryAlwaysReadBack) {
  std::mt19937 random(1024);
  std::uniform_int_distribution<int> length(0, 1024);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 3000; ++i) {
    std::string response(static_cast<std::size_t>(length(random)), '\0');
    for (auto& c : response) c = static_cast<char>(byte(random));
    std::string error(static_cast<std::size_t>(length(random) % 64), '\0');
    for (auto& c : error) c = static_cast<char>(byte(random));
    const std::vector<AttemptRecord> history{{1700000000000, "5xx", 502, 9, error, response}};
    const std::string text = serialize(record_with_history(history));
    const auto parsed = parse_retry_record(text);
    ASSERT_TRUE(parsed) << "case " << i << ": " << to_string(parsed.error());
    EXPECT_TRUE(is_valid_utf8(parsed->record.history.at(0).response));
    EXPECT_TRUE(is_valid_utf8(parsed->record.history.at(0).error));
    boost::system::error_code ec;
    const auto header_value = boost::json::parse(attempts_json(history), ec);
    ASSERT_FALSE(ec) << "case " << i;
    expect_every_string_valid(header_value);
  }
}

}  // namespace
}  // namespace hookd::retry

// A retry record is input: parse_retry_record says why it refuses one.
namespace hookd::retry {
namespace {

std::string good_record() {
  return serialize(record_with_history({{1700000000000, "5xx", 500, 3, "", ""}}));
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(RetryRecordParse, SaysWhyBytesAreNotARetryRecord) {
  ASSERT_TRUE(parse_retry_record(good_record()));
  const struct {
    std::string bytes;
    RecordError error;
  } cases[] = {
      {"", RecordError::not_json},
      {"not json", RecordError::not_json},
      {"[]", RecordError::not_json},
      {"{\"deliveryId\":\"caf\xE9\"}", RecordError::not_json},  // what an older hookd could write
      {"{}", RecordError::missing_field},
      {with(good_record(), ",\"step\":0", ""), RecordError::missing_field},
      {with(good_record(), "\"webhookId\":\"wh1\"", "\"webhookId\":7"), RecordError::invalid_field},
      {with(good_record(), "\"attempts\":1", "\"attempts\":\"1\""), RecordError::invalid_field},
      {with(good_record(), "\"envelope\":{\"id\":\"evt-1\"}", "\"envelope\":null"), RecordError::invalid_field},
      {with(good_record(), R"("body":{"event":"TODO_CREATED"})", R"("body":"text")"), RecordError::invalid_field},
      {with(good_record(), "\"attempts\":1", "\"attempts\":-1"), RecordError::out_of_range},
      {with(good_record(), "\"attempts\":1", "\"attempts\":2147483647"), RecordError::out_of_range},
      {with(good_record(), "\"step\":0", "\"step\":-2"), RecordError::out_of_range},
      {with(good_record(), "\"step\":0", "\"step\":10001"), RecordError::out_of_range},
      {with(good_record(), "\"step\":0", "\"step\":4294967296"), RecordError::out_of_range},
      {with(good_record(), "\"partition\":0", "\"partition\":-1"), RecordError::out_of_range},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_retry_record(c.bytes);
    ASSERT_FALSE(parsed) << c.bytes;
    EXPECT_EQ(to_string(parsed.error()), to_string(c.error)) << c.bytes;
  }
}

TEST(RetryRecordParse, AcceptsTheBoundsItChecks) {
  const auto parsed = parse_retry_record(
      with(with(good_record(), "\"step\":0", "\"step\":-1"), "\"attempts\":1", "\"attempts\":10000"));
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  EXPECT_EQ(parsed->record.step, -1);
  EXPECT_EQ(parsed->record.attempts, kMaxRecordAttempts);
}

}  // namespace
}  // namespace hookd::retry

namespace hookd::retry {
namespace {

// Found by the retry_records fuzzer (fuzz/corpus/retry_records/crash_body_is_null): a null
// body followed by broken JSON made simdjson's is_null() throw, which ended the retry loop's
// thread, and the partition's next owner met the same record.
TEST(RetryRecordParse, BrokenJsonAfterANullBodyIsRefusedNotThrown) {
  const std::string bytes =
      R"({"deliveryId":"msg_2","webhookId":"wh-2","eventId":"evt-2","event":"X","attempts":0,"step":-1,)"
      R"("source":{"topic":"t","partition":3,"offset":0},"history":[],"body":null"vne,elope":{"id":"evt-2"}})";
  ParseResult parsed = parse_retry_record("");
  EXPECT_NO_THROW(parsed = parse_retry_record(bytes));
  EXPECT_FALSE(parsed.has_value());
  // The same break after an optional null string in the history.
  const std::string in_history =
      R"({"deliveryId":"m","webhookId":"w","eventId":"e","event":"X","attempts":1,"step":0,)"
      R"("source":{"topic":"t","partition":0,"offset":0},"history":[{"at":"2026-01-01T00:00:00.000Z",)"
      R"("result":"5xx","status":500,"durationMs":1,"error":null"x":1}],"body":null,"envelope":{"id":"e"}})";
  EXPECT_NO_THROW(parsed = parse_retry_record(in_history));
  EXPECT_FALSE(parsed.has_value());
}

// Found by the fuzzer too (fuzz/corpus/retry_records/crash_use_after_error): an unclosed
// object made the on-demand iterator fail, and the next field lookup used it anyway (an
// assertion in simdjson's debug build, which the sanitizer stage of scripts/test.sh runs; an
// unspecified read in release). Broken JSON is now refused before any field is read.
TEST(RetryRecordParse, StructurallyBrokenJsonIsRefusedBeforeAnyFieldIsRead) {
  const std::string bytes = R"CORPUS({"deliveryId":"msg_1","webhookId":"wh-1","eventId":"evt-1","event":"TODO_CREATED","attempts":2,"step":1,"source":{"topic":"blue.events","partition":0,"offset":42{"deliveryId":"msg_1","webhookId":"wh-1","eveattemptsntId":"evt-1","fvent":"TODO_CREATED","attempts":2,"step":1,"so":"wh-},"history":[{"at":"2026-11-23T10:00:00.000Z","r1","eveattemptsntId":"evt-1","fvent":"TODO_urc":"{etopic":"blesult":"5xx","status":500,"durationMs":12,"error":"HTTP 500","response":"caf\u15e9 \ufffd"}],"yo{bd":"event":{"id"ue.p1"},"even:"todo-1"},"1","evetId":"evt-1"},"envelope":{"id":"evt-1","event":"TODO_CRnt":"TODO_CREATEDEATED""}}}})CORPUS";
  const auto parsed = parse_retry_record(bytes);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error(), RecordError::not_json);
}

}  // namespace
}  // namespace hookd::retry
