// The JSON body of a delivery, built from the validated envelope by raw passthrough.
//
// {"event":<raw>,"eventId":<raw envelope id>,"occurredAt":<raw>,"webhook":<subscription JSON>,
//  then every other top-level member of the envelope in input order, byte for byte}
//
// Nothing is re-serialised: values are copied from the parser's buffer, so numbers,
// unicode and escapes reach the receiver exactly as Blue wrote them. The body is built
// once per (event, webhook) at the first attempt; retries resend the same bytes.
#pragma once

#include <string>
#include <string_view>

#include "events/envelope.h"

namespace hookd::payload {

// `event` must come from a successful EventParser::parse (its views still alive).
// `webhook_json` is the subscription object as received, with "secret" already removed
// (subscriptions' job). `out` is cleared and receives the body; its capacity is reused and
// it is reserved once, so a recycled string means no allocation.
//
// Skipped from the envelope: `id`, `event`, `occurredAt` (already written first) and any
// top-level `webhook` or `eventId` member (they would duplicate keys of the body).
// Fields are matched on their unescaped names.
void build_body(const events::Event& event, std::string_view webhook_json, std::string& out);

}  // namespace hookd::payload
