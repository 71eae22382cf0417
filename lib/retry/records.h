// What hookd writes to Kafka when a delivery does not succeed at once: retry records on
// the retry tiers and dead letters (schemas/retry-record.schema.json, dead-letter.schema.json).
//
// Both are built from plain values so this module knows nothing of Kafka clients or HTTP:
// the worker fills them in and hands the bytes to its producer.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookd::retry {

// Where an event came from: printed into dead letters and retry records.
struct SourcePosition {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

// One HTTP attempt (or a deferral) as recorded in history.
struct AttemptRecord {
  std::int64_t at_unix_ms = 0;
  std::string result;  // a metric word: 2xx 4xx timeout dns_error ... origin_queue_full
  int http_status = 0;  // 0 when no response
  std::int64_t duration_ms = 0;
  std::string error;     // short text, never a URL path, query or header value
  std::string response;  // the first 1 KiB of the response body, as received
};

// A delivery's history keeps its most recent entries only. Attempts are bounded by the
// schedule, but a deferral that keeps a delivery on its step (a full origin queue) is not,
// and every entry rides along in each retry record and dead letter.
inline constexpr std::size_t kMaxHistory = 20;

// Appends `entry`, dropping the oldest entry beyond kMaxHistory.
void append_history(std::vector<AttemptRecord>& history, AttemptRecord entry);

struct RetryRecord {
  std::string delivery_id;
  std::string webhook_id;
  std::string event_id;
  std::string event_type;
  int attempts = 0;  // HTTP attempts made so far
  int step = 0;      // the schedule position this record waits on (policy.h)
  SourcePosition source;
  std::vector<AttemptRecord> history;
  std::string_view body;      // raw JSON delivery body, sent byte for byte on every retry;
                              // empty (null in JSON) for a replayed dead letter: rebuilt then
  std::string_view envelope;  // raw JSON original event, for the dead letter at the end
};

// The retry record as one JSON object (body and envelope embedded raw).
std::string serialize(const RetryRecord& record);

// A retry record read back: it owns the body and envelope bytes; `record.body` and
// `record.envelope` are left empty (views would dangle when this moves): use with_bytes().
struct ParsedRetryRecord {
  RetryRecord record;
  std::string body;  // empty for a replayed dead letter: rebuild from the envelope
  std::string envelope;

  RetryRecord with_bytes() const {
    RetryRecord r = record;
    r.body = body;
    r.envelope = envelope;
    return r;
  }
};
// Why bytes are not a retry record hookd can act on. Each has a fixed word (to_string), for
// logs; the record itself goes to the dead-letter topic (docs/retries.md, "At retry time").
enum class RecordError {
  not_json,       // not JSON, not UTF-8, or the root is not an object
  missing_field,  // a field hookd always writes is absent
  invalid_field,  // a field has the wrong type (a history entry, the body, the envelope...)
  out_of_range,   // attempts, step or source partition outside what hookd ever writes
};
std::string_view to_string(RecordError error);

// A record is input, not trusted: the bounds parse_retry_record holds attempts and step to.
// Well above any schedule (the decision clamps a step beyond the current schedule to its last
// step), and far enough from INT_MAX that `attempts + 1` cannot overflow.
inline constexpr int kMaxRecordAttempts = 10'000;
inline constexpr int kMaxRecordStep = 10'000;

using ParseResult = boost::system::result<ParsedRetryRecord, RecordError>;
// The record, or why the bytes are not a retry record hookd wrote: attempts in
// [0, kMaxRecordAttempts], step in [-1, kMaxRecordStep], every field hookd writes present.
ParseResult parse_retry_record(std::string_view bytes);

// For boost::system::result<T, RecordError>::value(); the data path checks the result instead.
[[noreturn]] void throw_exception_from_error(RecordError error, const boost::source_location& where);

// The topic of a retry tier: "<prefix>.<delay as written>", e.g. "hookd.retry.5s".
std::string tier_topic(std::string_view prefix, std::string_view delay);

// The distinct tiers of a schedule in order ("the same delay twice is one tier").
std::vector<std::string> distinct_tiers(const std::vector<std::string>& schedule);

// invalid_event: an event hookd cannot read; delivery: a delivery that ended; retry_record: a
// retry record hookd cannot read back (its value is the record's bytes, docs/contract.md).
enum class DeadLetterKind { invalid_event, delivery, retry_record };
std::string_view to_string(DeadLetterKind kind);

struct DeadLetter {
  DeadLetterKind kind = DeadLetterKind::invalid_event;
  std::string reason;  // fixed word: not_json, missing_field, too_large, invalid_utf8, blocked, exhausted, gone,
                       // unreadable_record ...
  SourcePosition source;  // the event's position; for a retry_record, the retry record's own
  std::string webhook_id;               // deliveries only
  std::vector<AttemptRecord> attempts;  // deliveries only
};

// Producers refuse values over message.max.bytes; above this we send the first 64 KiB and
// say so in a header instead of losing the dead letter.
inline constexpr std::size_t kMaxDeadLetterValue = 1'000'000 - 64 * 1024;
inline constexpr std::size_t kTruncatedDeadLetterValue = 64 * 1024;

struct DeadLetterMessage {
  std::string_view value;  // the original event bytes (a retry_record's own bytes), or their first 64 KiB
  std::vector<std::pair<std::string, std::string>> headers;
};

DeadLetterMessage make_dead_letter(const DeadLetter& letter, std::string_view original_event);

// JSON array of attempts, as in the hookd-attempts header and retry history.
std::string attempts_json(const std::vector<AttemptRecord>& attempts);

// One line of the attempts log (schemas/attempt-record.schema.json): what Blue's UI shows as a
// webhook's recent deliveries. No secret, no request body. `next_due_unix_ms` empty = final.
std::string attempt_log_entry(std::string_view delivery_id, std::string_view webhook_id, std::string_view event_id,
                              std::string_view event_type, int attempt_number, const AttemptRecord& attempt,
                              std::optional<std::int64_t> next_due_unix_ms);


}  // namespace hookd::retry
