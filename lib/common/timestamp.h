// Timestamps as hookd writes them everywhere (logs, status records, retry history, the
// attempts log): RFC 3339 in UTC with milliseconds, "2026-11-23T04:41:13.250Z".
// Parsing them back is events/rfc3339.h.
#pragma once

#include <cstdint>
#include <string>

namespace hookd {

// Always 24 characters: a time before year 0 or after 9999 is written as the first or last
// millisecond of that range, so what hookd writes always reads back.
std::string format_rfc3339_ms(std::int64_t unix_ms);
// The same 24 characters appended to `out`, for a caller that builds a record in one buffer.
void append_rfc3339_ms(std::string& out, std::int64_t unix_ms);

}  // namespace hookd
