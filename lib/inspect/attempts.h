// `hookd attempts`: a webhook's delivery attempts as hookd recorded them in Kafka
// (docs/operations.md, "hookd attempts"). Three sources, read with a bounded scan:
//   - the attempts log (topics.attempts, schemas/attempt-record.schema.json): one record per
//     attempt, first-attempt successes included, written best effort; no response excerpt;
//   - retry records on the retry tiers (schemas/retry-record.schema.json): the history of a
//     delivery still being retried, with errors and response excerpts;
//   - delivery dead letters (the hookd-attempts header): the history of a delivery that ended.
// The same attempt seen in several places is one row: the log gives its number and next due
// time, a history its error and excerpt. Nothing here is secret: no URL path, header or body.
#pragma once

#include "config/config.h"
#include "kafka/types.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::inspect {

struct AttemptRow {
  std::int64_t at_unix_ms = 0;
  std::string event_id;
  std::string webhook_id;
  std::string delivery_id;  // empty when only a dead letter saw it
  std::string event_type;
  int attempt = 0;          // x-blue-attempt; 0 when unknown (a history cut to its last entries)
  std::string result;       // 2xx 4xx timeout ... origin_queue_full breaker_open
  int http_status = 0;      // 0: no response
  std::int64_t duration_ms = 0;
  std::string error;        // short text, never a URL path or header value
  std::string excerpt;      // the first bytes of the response body, as received
  std::optional<std::int64_t> next_due_unix_ms;  // from the attempts log; empty: final or unknown
  std::string seen_in;      // "log", "retry", "dead-letter:<reason>", joined with "+" when merged
};

// One record of each source, as rows of `webhook_id` (empty: of every webhook). A record that
// is not what hookd writes gives no row.
std::vector<AttemptRow> rows_from_attempt_log(std::string_view value, std::string_view webhook_id);
std::vector<AttemptRow> rows_from_retry_record(std::string_view value, std::string_view webhook_id);
// `event_value` is the dead letter's value (the event); its id names the rows.
std::vector<AttemptRow> rows_from_dead_letter(std::string_view webhook_header, std::string_view reason_header,
                                              std::string_view attempts_header, std::string_view event_value,
                                              std::string_view webhook_id);

// Merges rows of the same attempt (event, start time, result) and sorts by time, then event.
std::vector<AttemptRow> merge_rows(std::vector<AttemptRow> rows);

// Output: a header and one aligned line per row (excerpts cut to a line, control characters
// escaped, always valid UTF-8); or one JSON object per row.
std::string table_header();
std::string table_line(const AttemptRow& row);
std::string json_line(const AttemptRow& row);

struct AttemptsQuery {
  std::string webhook_id;
  std::optional<std::string> event_id;
  std::int64_t since_unix_ms = 0;
};

struct AttemptsScan {
  std::vector<AttemptRow> rows;           // merged, sorted; filtered by the query
  std::vector<std::string> notes;         // topics not read (absent, attempts log off)
  kafka::MaybeError error;                // Kafka unreachable or silent within the timeout
};

// Reads the attempts log, every retry tier and the dead-letter topic from `since` up to their
// end offsets at the start of each read, then stops. Throws kafka::Error on a client
// configuration librdkafka refuses.
AttemptsScan scan_attempts(const config::Config& config, const AttemptsQuery& query,
                           std::chrono::milliseconds timeout);

}  // namespace hookd::inspect
