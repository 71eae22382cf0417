// RFC 3339 timestamps ("2022-12-01T11:23:09.241Z", "2022-12-01T12:23:09+01:00").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hookd::events {

// Unix milliseconds of an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS, optional fraction of any
// length (truncated to milliseconds), then Z or +hh:mm / -hh:mm. 'T' and 'Z' may be lower
// case (RFC 3339 section 5.6). Fields are range-checked (leap years included; second 60 is
// accepted for leap seconds and counts as the next second). nullopt on anything else.
std::optional<std::int64_t> parse_rfc3339_unix_ms(std::string_view text);

}  // namespace hookd::events
