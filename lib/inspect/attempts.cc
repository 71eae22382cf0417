#include "inspect/attempts.h"

#include "common/log.h"
#include "common/timestamp.h"
#include "events/parser.h"
#include "events/rfc3339.h"
#include "replay/dead_letter_reader.h"
#include "retry/records.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <tuple>

namespace hookd::inspect {
namespace {

namespace json = boost::json;

std::string string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

std::optional<json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

bool is_deferral(std::string_view result) {
  return result == "origin_queue_full" || result == "breaker_open" || result == "tenant_over_budget";
}

// A history's entries as rows; `attempts_made` numbers them from the end (each HTTP attempt
// counts; a deferral repeats the number of the attempt it postponed, schemas/attempt-record).
// Unknown (0) numbers when the count is unknown.
void append_history(std::vector<AttemptRow>& out, const std::vector<retry::AttemptRecord>& history,
                    std::optional<int> attempts_made, const AttemptRow& common) {
  const std::size_t first = out.size();
  int number = attempts_made.value_or(0);
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    AttemptRow row = common;
    row.at_unix_ms = it->at_unix_ms;
    row.result = it->result;
    row.http_status = it->http_status;
    row.duration_ms = it->duration_ms;
    row.error = it->error;
    row.excerpt = it->response;
    if (attempts_made) row.attempt = is_deferral(it->result) ? number + 1 : std::max(number--, 0);
    out.push_back(std::move(row));
  }
  std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

std::string time_text(std::int64_t unix_ms) { return format_rfc3339_ms(unix_ms); }

// One line: control characters and quotes escaped, ill-formed UTF-8 replaced (log::append_json_escaped).
std::string clean(std::string_view text, std::size_t max_bytes) {
  std::string out;
  log::append_json_escaped(out, text.substr(0, max_bytes));
  if (text.size() > max_bytes) out += "...";
  return out;
}

}  // namespace

std::vector<AttemptRow> rows_from_attempt_log(std::string_view value, std::string_view webhook_id) {
  const auto parsed = parse_json(value);
  if (!parsed || !parsed->is_object()) return {};
  const auto& o = parsed->as_object();
  AttemptRow row;
  row.webhook_id = string_at(o, "webhookId");
  if (row.webhook_id.empty() || (!webhook_id.empty() && row.webhook_id != webhook_id)) return {};
  row.delivery_id = string_at(o, "deliveryId");
  row.event_id = string_at(o, "eventId");
  row.event_type = string_at(o, "event");
  row.attempt = static_cast<int>(int_at(o, "attempt"));
  row.result = string_at(o, "result");
  row.http_status = static_cast<int>(int_at(o, "status"));
  row.duration_ms = int_at(o, "durationMs");
  const auto at = events::parse_rfc3339_unix_ms(string_at(o, "at"));
  if (!at || row.result.empty()) return {};
  row.at_unix_ms = *at;
  if (const auto next = events::parse_rfc3339_unix_ms(string_at(o, "nextDueAt"))) row.next_due_unix_ms = *next;
  row.seen_in = "log";
  return {std::move(row)};
}

std::vector<AttemptRow> rows_from_retry_record(std::string_view value, std::string_view webhook_id) {
  const auto parsed = retry::parse_retry_record(value);
  if (!parsed) return {};
  const auto& r = parsed->record;
  if (!webhook_id.empty() && r.webhook_id != webhook_id) return {};
  AttemptRow common;
  common.event_id = r.event_id;
  common.webhook_id = r.webhook_id;
  common.delivery_id = r.delivery_id;
  common.event_type = r.event_type;
  common.seen_in = "retry";
  std::vector<AttemptRow> out;
  append_history(out, r.history, r.attempts, common);
  return out;
}

std::vector<AttemptRow> rows_from_dead_letter(std::string_view webhook_header, std::string_view reason_header,
                                              std::string_view attempts_header, std::string_view event_value,
                                              std::string_view webhook_id) {
  if (webhook_header.empty() || (!webhook_id.empty() && webhook_header != webhook_id)) return {};
  const auto parsed = parse_json(attempts_header);
  if (!parsed || !parsed->is_array()) return {};
  std::vector<retry::AttemptRecord> history;
  for (const auto& entry : parsed->as_array()) {
    if (!entry.is_object()) return {};
    const auto& o = entry.as_object();
    retry::AttemptRecord a;
    a.result = string_at(o, "result");
    a.at_unix_ms = events::parse_rfc3339_unix_ms(string_at(o, "at")).value_or(0);
    a.http_status = static_cast<int>(int_at(o, "status"));
    a.duration_ms = int_at(o, "durationMs");
    a.error = string_at(o, "error");
    a.response = string_at(o, "response");
    history.push_back(std::move(a));
  }
  AttemptRow common;
  common.webhook_id = std::string(webhook_header);
  common.seen_in = "dead-letter:" + std::string(reason_header);
  // The event (possibly cut to its first 64 KiB): its id and type, if it still parses.
  events::EventParser parser(event_value.size() + 1);
  events::Event event;
  if (!parser.parse(event_value, event)) {
    common.event_id.assign(event.id);
    common.event_type.assign(event.type);
  }
  // Numbered only when the history is whole: it keeps its last retry::kMaxHistory entries.
  std::optional<int> made;
  if (history.size() < retry::kMaxHistory) {
    made = static_cast<int>(std::count_if(history.begin(), history.end(),
                                          [](const auto& a) { return !is_deferral(a.result); }));
  }
  std::vector<AttemptRow> out;
  append_history(out, history, made, common);
  return out;
}

std::vector<AttemptRow> merge_rows(std::vector<AttemptRow> rows) {
  auto key = [](const AttemptRow& r) { return std::tie(r.at_unix_ms, r.event_id, r.result); };
  std::stable_sort(rows.begin(), rows.end(), [&](const AttemptRow& a, const AttemptRow& b) { return key(a) < key(b); });
  std::vector<AttemptRow> out;
  for (auto& row : rows) {
    if (out.empty() || key(out.back()) != key(row)) {
      out.push_back(std::move(row));
      continue;
    }
    AttemptRow& kept = out.back();
    if (kept.delivery_id.empty()) kept.delivery_id = row.delivery_id;
    if (kept.event_type.empty()) kept.event_type = row.event_type;
    if (kept.attempt == 0) kept.attempt = row.attempt;
    if (kept.error.empty()) kept.error = row.error;
    if (kept.excerpt.empty()) kept.excerpt = row.excerpt;
    if (!kept.next_due_unix_ms) kept.next_due_unix_ms = row.next_due_unix_ms;
    if (kept.seen_in.find(row.seen_in) == std::string::npos) kept.seen_in += "+" + row.seen_in;
  }
  return out;
}

std::string table_header() {
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %-20s %-16s %3s %-15s %6s %8s  %s", "TIME", "EVENT", "WEBHOOK", "#",
                "RESULT", "STATUS", "LATENCY", "ERROR / RESPONSE");
  return line;
}

std::string table_line(const AttemptRow& row) {
  char line[512];
  const std::string status = row.http_status ? std::to_string(row.http_status) : "-";
  const std::string attempt = row.attempt ? std::to_string(row.attempt) : "?";
  std::snprintf(line, sizeof line, "%-24s %-20s %-16s %3s %-15s %6s %6lldms  ", time_text(row.at_unix_ms).c_str(),
                clean(row.event_id, 64).c_str(), clean(row.webhook_id, 64).c_str(), attempt.c_str(),
                row.result.c_str(), status.c_str(), static_cast<long long>(row.duration_ms));
  std::string out = line;
  if (!row.error.empty()) out += clean(row.error, 120) + (row.excerpt.empty() ? "" : " | ");
  if (!row.excerpt.empty()) out += clean(row.excerpt, 120);
  return out;
}

std::string json_line(const AttemptRow& row) {
  // The attempts log's own format (schemas/attempt-record.schema.json), plus what the
  // histories add: the error, the response excerpt, and where the row was seen.
  const retry::AttemptRecord attempt{row.at_unix_ms, row.result, row.http_status, row.duration_ms, {}, {}};
  std::string out = retry::attempt_log_entry(row.delivery_id, row.webhook_id, row.event_id, row.event_type, row.attempt,
                                             attempt, row.next_due_unix_ms);
  out.pop_back();  // the closing brace
  out += ",\"error\":";
  log::append_json_string(out, row.error);
  out += ",\"response\":";
  log::append_json_string(out, row.excerpt);
  out += ",\"seenIn\":";
  log::append_json_string(out, row.seen_in);
  return out + "}";
}

AttemptsScan scan_attempts(const config::Config& config, const AttemptsQuery& query,
                           std::chrono::milliseconds timeout) {
  AttemptsScan scan;
  const kafka::ClientSettings settings{config.kafka.bootstrap_servers, config.kafka.properties};
  std::vector<AttemptRow> rows;
  auto read = [&](const std::string& topic, const std::function<void(const kafka::Message&)>& on_record) -> bool {
    replay::DeadLetterReader reader(settings, topic, timeout);
    const auto found = reader.lookup(topic);
    if (found.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      scan.error = "Kafka unreachable while looking up " + topic + ": " + rd_kafka_err2str(found.error);
      return false;
    }
    if (!found.exists) {
      scan.notes.push_back(topic + ": absent, not read");
      return true;
    }
    if (auto error = reader.start(query.since_unix_ms)) {
      scan.error = *error;
      return false;
    }
    if (auto error = reader.read_all(on_record, [](const replay::ReaderProgress&) {})) {
      scan.error = *error;
      return false;
    }
    return true;
  };
  auto take = [&rows](std::vector<AttemptRow> more) {
    for (auto& r : more) rows.push_back(std::move(r));
  };
  // The log and dead letters are keyed by webhook id: other webhooks' records are skipped unparsed.
  if (config.topics.attempts.empty()) {
    scan.notes.push_back("topics.attempts is empty: the attempts log is off, first-attempt successes are not recorded");
  } else if (!read(config.topics.attempts, [&](const kafka::Message& m) {
               if (m.key() == query.webhook_id) take(rows_from_attempt_log(m.value(), query.webhook_id));
             })) {
    return scan;
  }
  for (const auto& delay : retry::distinct_tiers(config.retry.schedule)) {
    if (!read(retry::tier_topic(config.topics.retry_prefix, delay),
              [&](const kafka::Message& m) { take(rows_from_retry_record(m.value(), query.webhook_id)); })) {
      return scan;
    }
  }
  if (!read(config.topics.dead_letter, [&](const kafka::Message& m) {
        if (m.key() != query.webhook_id) return;
        take(rows_from_dead_letter(m.header("hookd-webhook-id").value_or(""), m.header("hookd-reason").value_or(""),
                                   m.header("hookd-attempts").value_or(""), m.value(), query.webhook_id));
      })) {
    return scan;
  }
  for (auto& row : merge_rows(std::move(rows))) {
    if (row.at_unix_ms < query.since_unix_ms) continue;  // an older entry of a history read since then
    if (query.event_id && row.event_id != *query.event_id) continue;
    scan.rows.push_back(std::move(row));
  }
  return scan;
}

}  // namespace hookd::inspect
