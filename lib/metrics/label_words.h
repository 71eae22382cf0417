// The fixed label words of each metric family whose values do not depend on config.
//
// Metrics exports every one at 0 from start-up, so dashboards and alerts (rate, increase,
// absent) see a series before the first occurrence. The words mirror enums of other
// libraries that lib/metrics must not depend on; tests/unit/worker/metric_labels_test.cc
// checks them against those enums.
#pragma once

#include <array>
#include <string_view>

namespace hookd::metrics {

// hookd_events_invalid_total{reason}: events::to_string(events::InvalidReason).
inline constexpr auto kInvalidEventReasons = std::to_array<std::string_view>({
    "too_large", "invalid_utf8", "not_json", "not_object", "duplicate_key", "missing_field", "invalid_field",
});

// hookd_delivery_attempts_total{result}: delivery::to_string(delivery::AttemptResult), except
// "cancelled", which is no attempt and never counted here.
inline constexpr auto kAttemptResults = std::to_array<std::string_view>({
    "2xx", "3xx", "4xx", "5xx", "timeout", "dns_error", "connect_error", "tls_error", "protocol_error", "blocked",
    "origin_queue_full", "tenant_over_budget",
});

// hookd_dead_letters_total{reason} of deliveries; invalid events add kInvalidEventReasons.
// "unreadable_record" is the one reason of a retry record hookd cannot read back (kind
// retry_record, docs/retries.md): a delivery's record too, counted with them.
inline constexpr auto kDeliveryDeadLetterReasons =
    std::to_array<std::string_view>({"exhausted", "gone", "blocked", "record_too_large", "unreadable_record"});

// hookd_kafka_write_failures_total{kind}: kafka::to_string(kafka::WriteError), but "shutdown".
inline constexpr auto kKafkaWriteFailures = std::to_array<std::string_view>({"transient", "too_large", "permanent", "fatal"});

// hookd_retries_dropped_total{reason}. "invalid_record" is no longer counted (an unreadable
// record is dead-lettered, never dropped); its series stays at 0 for existing dashboards.
inline constexpr auto kRetryDropReasons =
    std::to_array<std::string_view>({"invalid_record", "deleted", "disabled", "no_longer_matches"});

// hookd_deliveries_deferred_total{reason}.
inline constexpr auto kDeferReasons =
    std::to_array<std::string_view>({"breaker", "rate_limit", "throttled", "tenant_queue"});

// hookd_subscriptions_invalid_total{reason}: subscriptions::to_string(subscriptions::InvalidReason).
inline constexpr auto kInvalidSubscriptionReasons = std::to_array<std::string_view>({
    "not_json", "not_object", "duplicate_key", "missing_field", "invalid_field", "key_mismatch", "invalid_url",
    "invalid_filter", "filter_too_large",
});

// hookd_breaker_transitions_total{to}.
inline constexpr auto kBreakerStates = std::to_array<std::string_view>({"open", "closed"});

// hookd_webhooks{status}: health::metric_word(health::Status).
inline constexpr auto kWebhookStatuses = std::to_array<std::string_view>({"healthy", "unhealthy", "gone"});

}  // namespace hookd::metrics
