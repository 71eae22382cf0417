// Parsing one record of the compacted subscriptions topic (docs/subscriptions.md; the schema
// is schemas/subscription.schema.json).
//
// Not on the per-event path: it runs once per subscription change, so it favours
// strictness and clear refusals over speed. It never throws on bad input.
#pragma once

#include <memory>
#include <string_view>
#include <variant>

#include "subscriptions/subscription.h"

namespace hookd::subscriptions {

using ParseResult = std::variant<std::shared_ptr<const Subscription>, Invalid>;

// `record_key` is the Kafka record key, which "id" must equal; `value` the record value.
//
// Refused (with the reason in Invalid):
//   not_json            syntax, invalid UTF-8, trailing bytes, nesting deeper than 64
//   not_object          the root is not an object
//   duplicate_key       any object repeats a key (it would be ambiguous which one counts,
//                       and the "webhook" object passed to receivers would not be as sent)
//   missing_field       id, url or companyId absent
//   invalid_field       a known member has the wrong type: id/companyId not a non-empty
//                       string, secret/status not a string, enabled not a bool, metadata
//                       not an object, events not an array of [A-Z0-9_]+ strings,
//                       projectIds not an array of non-empty strings, filter not an object
//   key_mismatch        id differs from record_key
//   invalid_url         not an absolute http/https URL with a host (Boost.URL), user info
//                       present, a bad port, a percent-escaped host, a host name that
//                       cannot be a DNS name (common::plausible_host_name), a host with an
//                       empty label, or a path neither empty nor '/'-rooted (one
//                       trailing dot of a host name is dropped, not refused)
//   invalid_filter      the "filter" object breaks the filter grammar (docs/filters.md):
//                       unknown operator, wrong operand type, bad path, invalid RE2 regex
//   filter_too_large    the filter is over a limit (filter::kMax*): never match-all
// null counts as absent for the optional members (secret, enabled, status, metadata,
// metadata.events, metadata.projectIds, filter). Unknown members are passed through.
ParseResult parse_subscription(std::string_view record_key, std::string_view value);

}  // namespace hookd::subscriptions
