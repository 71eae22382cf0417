// Which dead letters `hookd replay` puts back, and the retry record each one becomes.
//
// Pure logic over one dead letter's timestamp, headers and value, so it is tested without
// Kafka. A dead letter is *in scope* when its Kafka timestamp is in [since, until) and, when
// given, its hookd-webhook-id and hookd-reason equal --webhook and --reason (an invalid event
// has neither, so those filters leave invalid events out of scope). In scope, it is either
// replayed or skipped for a counted reason: an invalid event has no webhook to deliver to; a
// truncated one lost the event bytes a delivery needs; a malformed one lacks what hookd
// always writes (a header, a webhook id of the documented pattern, a valid event).
#pragma once

#include "events/parser.h"
#include "retry/records.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace hookd::replay {

// The parts of a dead letter replay reads; views into the consumed record.
struct DeadLetterView {
  std::int64_t timestamp_ms = -1;  // the record's Kafka timestamp; -1 when it has none
  std::string_view value;          // the original event bytes
  std::optional<std::string_view> kind;        // hookd-kind
  std::optional<std::string_view> reason;      // hookd-reason
  std::optional<std::string_view> webhook_id;  // hookd-webhook-id
  std::optional<std::string_view> source;      // hookd-source (JSON)
  std::optional<std::string_view> truncated;   // hookd-truncated
};

struct Filter {
  std::int64_t since_unix_ms = 0;                // inclusive
  std::optional<std::int64_t> until_unix_ms;     // exclusive
  std::optional<std::string> webhook_id;
  std::optional<std::string> reason;             // one of kDeliveryReasons

  bool in_scope(const DeadLetterView& letter) const;
};

// The reasons a delivery dead letter can carry; --reason accepts only these.
inline constexpr std::array<std::string_view, 3> kDeliveryReasons = {"exhausted", "gone", "blocked"};
bool is_delivery_reason(std::string_view reason);

enum class SkipReason { invalid_event, truncated, malformed };
inline constexpr std::array kAllSkipReasons = {SkipReason::invalid_event, SkipReason::truncated, SkipReason::malformed};
std::string_view to_string(SkipReason reason);

struct NotInScope {};
struct Skipped {
  SkipReason reason;
};
// A retry record for the first tier: attempts 0 and step 0 (the next attempt is number 1),
// the same delivery id as the original attempts, no history, and no body (the retry loop
// rebuilds it from the envelope and the webhook as it is then). `record.envelope` views the
// dead letter's value.
struct Replay {
  retry::RetryRecord record;
  std::string reason;  // the dead letter's hookd-reason, for the dry run's lines
};
using Decision = std::variant<NotInScope, Skipped, Replay>;

// `parser` reads the event id and type out of the value; it must accept what the retry loop
// accepts (the same size limit), so every record replayed is one the retry loop can read.
Decision decide(const DeadLetterView& letter, const Filter& filter, events::EventParser& parser);

// The hookd-source header ({"topic":…,"partition":…,"offset":…}); nullopt when unreadable.
std::optional<retry::SourcePosition> parse_source(std::string_view json);

}  // namespace hookd::replay
