// A webhook's health as one worker sees it, and the status record hookd publishes when it
// changes (schemas/webhook-status.schema.json, docs/endpoints.md "Health and circuit breaking").
#pragma once

#include "common/clock.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::health {

enum class Status : std::uint8_t { healthy, unhealthy, gone };

inline constexpr std::array kAllStatuses = {Status::healthy, Status::unhealthy, Status::gone};

// "HEALTHY", "UNHEALTHY", "GONE": the words of the status topic (Blue's own).
constexpr std::string_view to_string(Status status) {
  switch (status) {  // no default: a new state without a word is a compile warning
    case Status::healthy: return "HEALTHY";
    case Status::unhealthy: return "UNHEALTHY";
    case Status::gone: return "GONE";
  }
  return "UNKNOWN";
}

// "healthy", "unhealthy", "gone": the label values of hookd_webhooks{status}.
constexpr std::string_view metric_word(Status status) {
  switch (status) {
    case Status::healthy: return "healthy";
    case Status::unhealthy: return "unhealthy";
    case Status::gone: return "gone";
  }
  return "unknown";
}

// One status change of one webhook, as the tracker decided it. Views point into the tracker's
// entry and the attempt being recorded: valid only during the listener call.
struct Transition {
  std::string_view webhook_id;
  std::optional<Status> from;  // nullopt: the first status this worker gives the webhook
  Status to = Status::healthy;
  std::int64_t since_unix_ms = 0;
  int consecutive_failures = 0;
  std::string_view last_result;  // the attempt's result word: "2xx", "5xx", "timeout", ...
  int last_status = 0;           // its HTTP status; 0 when no response arrived
};

// The status record's JSON value:
// {"webhookId","status","since","consecutiveFailures","lastResult","lastStatus","worker"}.
std::string status_record(const Transition& transition, std::string_view worker);

// A stable name for this process in status records: "<hostname>-<pid>".
std::string default_worker_id();

// Time as the tracker needs it: the one injected clock (common/clock.h).
using Clock = common::Clock;
using SystemClock = common::SystemClock;

}  // namespace hookd::health
