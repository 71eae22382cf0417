// A webhook subscription as hookd uses it, and the fixed words that say why a record was
// refused. Parsing lives in subscriptions/parse.h; matching in subscriptions/snapshot.h.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signing/ed25519.h"
#include "signing/signature.h"
#include "signing/signature_headers.h"
#include "subscriptions/filter.h"

namespace hookd::subscriptions {

// Immutable once parsed; shared between snapshots (an unchanged record keeps its object
// across rebuilds) and with in-flight deliveries, which take
// `shared_from_this()` so a delivery outlives the snapshot it was matched in.
struct Subscription : std::enable_shared_from_this<Subscription> {
  std::string id;
  std::string company_id;  // the tenant; an event of another company never matches
  std::string url;         // absolute http(s) URL, as received
  std::string secret;      // empty = deliveries are unsigned; never logged
  signing::SigningKey signing_key;
  // "previousSecrets": secrets being rotated out, each with its expiry, in the order given.
  // Signed with beside the current secret until they expire; never logged.
  std::vector<signing::PreviousKey> previous_keys;
  // "signingKey": the Standard Webhooks ed25519 key (whsk_); unset = no v1a signature.
  std::optional<signing::Ed25519Key> ed25519_key;
  bool enabled = true;
  // "rateLimit": {"perSecond": N}: at most N requests per second from this worker; 0 = none.
  double rate_limit_per_second = 0;
  std::vector<std::string> events;       // sorted, unique; empty = every event type
  std::vector<std::string> project_ids;  // sorted, unique; empty = every project (and none)
  // The compiled record filter; null when the record has none (absent, null or {}).
  std::shared_ptr<const Filter> filter;
  // The subscription object as received minus its secret members ("secret",
  // "previousSecrets", "signingKey"), compact JSON: what the
  // delivery body carries as "webhook". Member order, strings and number spellings are
  // kept; only insignificant whitespace and string escapes are normalised.
  std::string webhook_json;
  // "scheme://host:port" (lower-case scheme and host, default port filled in): safe to log
  // and the key for per-origin connection pools and in-flight caps.
  std::string origin;
  // The URL split for the HTTP client. host has no IPv6 brackets; target is path and query
  // ("/" when the path is empty), never logged because it can carry tokens.
  bool https = true;
  std::string host;
  std::uint16_t port = 0;
  std::string target;
};

// Why a subscription record was refused: the label values of
// hookd_subscriptions_invalid_total{reason}. Keep in step with kInvalidReasons.
enum class InvalidReason : std::uint8_t {
  not_json,            // not valid JSON (syntax, invalid UTF-8, trailing bytes, too deep)
  not_object,          // valid JSON, but the root is not an object
  duplicate_key,       // an object (at any depth) repeats a key
  missing_field,       // id, url or companyId is absent
  invalid_field,       // a known field has the wrong type or shape
  key_mismatch,        // "id" differs from the Kafka record key
  invalid_url,         // not an absolute http(s) URL with a host, or carries user info
  invalid_filter,      // the filter breaks its grammar (docs/filters.md) or has a bad regex
  filter_too_large,    // the filter is over a limit: depth, clauses, bytes, regex size
};

inline constexpr std::array<InvalidReason, 9> kInvalidReasons = {
    InvalidReason::not_json,      InvalidReason::not_object,     InvalidReason::duplicate_key,
    InvalidReason::missing_field, InvalidReason::invalid_field,  InvalidReason::key_mismatch,
    InvalidReason::invalid_url,   InvalidReason::invalid_filter, InvalidReason::filter_too_large,
};

constexpr std::string_view to_string(InvalidReason reason) {
  switch (reason) {  // no default: a new reason without a word is a compile warning
    case InvalidReason::not_json: return "not_json";
    case InvalidReason::not_object: return "not_object";
    case InvalidReason::duplicate_key: return "duplicate_key";
    case InvalidReason::missing_field: return "missing_field";
    case InvalidReason::invalid_field: return "invalid_field";
    case InvalidReason::key_mismatch: return "key_mismatch";
    case InvalidReason::invalid_url: return "invalid_url";
    case InvalidReason::invalid_filter: return "invalid_filter";
    case InvalidReason::filter_too_large: return "filter_too_large";
  }
  return "unknown";
}

// detail is for logs: it names the field and the rule, never a secret or a URL.
struct Invalid {
  InvalidReason reason;
  std::string detail;
};

}  // namespace hookd::subscriptions
