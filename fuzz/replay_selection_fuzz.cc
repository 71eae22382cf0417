// libFuzzer target: `hookd replay`'s selection (replay/selection.h) over what it reads from
// the operator (--since/--until as RFC 3339, --webhook, --reason) and from a dead letter
// (its timestamp, headers and value), neither of which hookd controls once written.
//
// Input: ten lines, then the dead letter's value (the event bytes):
//   timestamp_ms, hookd-kind, hookd-reason, hookd-webhook-id, hookd-source, hookd-truncated,
//   --since, --until, --webhook, --reason
// A line that is exactly "~" means absent (a header not present, an option not given).
// Invariants checked:
//   - a time the operator may give parses to what it names: formatted back and parsed again,
//     it is the same millisecond (within the years hookd formats);
//   - decide() never throws, and a Replay is in scope and carries the dead letter's webhook
//     id, source and event, with attempts and step 0;
//   - the retry record a Replay becomes is one the retry loop reads back (parse_retry_record),
//     field for field: a replayed dead letter is never lost to a record no one can read.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/timestamp.h"
#include "events/parser.h"
#include "events/rfc3339.h"
#include "replay/selection.h"
#include "retry/records.h"

namespace {

// Names the invariant broken before aborting, so a crash report says which one.
#define require(condition) \
  ((condition) ? void() : (std::fprintf(stderr, "invariant broken: %s (line %d)\n", #condition, __LINE__), std::abort()))

std::optional<std::string_view> optional_line(std::string_view line) {
  if (line == "~") return std::nullopt;
  return line;
}

// The operator's time as `hookd replay` reads it. Within the years hookd's own formatter
// writes (1970 to 9999: it formats clock readings and Kafka timestamps), it round-trips.
std::optional<std::int64_t> operator_time(std::string_view text) {
  const auto ms = hookd::events::parse_rfc3339_unix_ms(text);
  if (ms && *ms >= 0 && *ms < 253'402'300'800'000) {
    const std::string formatted = hookd::format_rfc3339_ms(*ms);
    require(hookd::events::parse_rfc3339_unix_ms(formatted) == ms);
  }
  return ms;
}

std::string_view trimmed(std::string_view json) {
  constexpr std::string_view kWhitespace = " \t\r\n";
  while (!json.empty() && kWhitespace.find(json.front()) != std::string_view::npos) json.remove_prefix(1);
  while (!json.empty() && kWhitespace.find(json.back()) != std::string_view::npos) json.remove_suffix(1);
  return json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view lines[10];
  for (auto& line : lines) {
    const std::size_t newline = input.find('\n');
    if (newline == std::string_view::npos) return 0;
    line = input.substr(0, newline);
    input.remove_prefix(newline + 1);
  }

  hookd::replay::DeadLetterView letter;
  std::int64_t timestamp = -1;
  if (std::from_chars(lines[0].data(), lines[0].data() + lines[0].size(), timestamp).ec != std::errc{}) timestamp = -1;
  letter.timestamp_ms = timestamp;
  letter.kind = optional_line(lines[1]);
  letter.reason = optional_line(lines[2]);
  letter.webhook_id = optional_line(lines[3]);
  letter.source = optional_line(lines[4]);
  letter.truncated = optional_line(lines[5]);
  letter.value = input;

  // As app/replay_command.cc builds the filter: --since required, --until later, --reason one
  // of the delivery reasons, --webhook not empty.
  hookd::replay::Filter filter;
  const auto since = operator_time(lines[6]);
  if (!since) return 0;
  filter.since_unix_ms = *since;
  if (lines[7] != "~") {
    filter.until_unix_ms = operator_time(lines[7]);
    if (!filter.until_unix_ms || *filter.until_unix_ms <= *since) return 0;
  }
  if (lines[8] != "~") {
    if (lines[8].empty()) return 0;
    filter.webhook_id = std::string(lines[8]);
  }
  if (lines[9] != "~") {
    if (!hookd::replay::is_delivery_reason(lines[9])) return 0;
    filter.reason = std::string(lines[9]);
  }

  static hookd::events::EventParser parser(1 << 20);
  const auto decision = hookd::replay::decide(letter, filter, parser);
  const auto* replay = std::get_if<hookd::replay::Replay>(&decision);
  if (replay == nullptr) return 0;

  const auto& r = replay->record;
  require(filter.in_scope(letter));
  require(letter.webhook_id && r.webhook_id == *letter.webhook_id && letter.reason && replay->reason == *letter.reason);
  require(r.attempts == 0 && r.step == 0 && r.history.empty() && r.body.empty() && r.envelope == letter.value);
  const auto source = hookd::replay::parse_source(*letter.source);
  require(source && source->topic == r.source.topic && source->partition == r.source.partition &&
          source->offset == r.source.offset);

  const std::string written = hookd::retry::serialize(r);
  const auto read = hookd::retry::parse_retry_record(written);
  if (!read) std::fprintf(stderr, "the retry loop refuses the replayed record: %s\n", written.c_str());
  require(read.has_value());
  const auto& back = read->record;
  require(back.delivery_id == r.delivery_id && back.webhook_id == r.webhook_id && back.event_id == r.event_id &&
          back.event_type == r.event_type && back.attempts == 0 && back.step == 0);
  require(back.source.topic == r.source.topic && back.source.partition == r.source.partition &&
          back.source.offset == r.source.offset);
  // The record keeps the event as its JSON value: whitespace around it may not be kept.
  require(read->body.empty() && trimmed(read->envelope) == trimmed(letter.value));
  return 0;
}
