// Parsing of the Retry-After response header (RFC 9110 section 10.2.3).
//
// The client parses it on every response and hands the result to the caller, which decides
// that only 429 and 503 matter. The value comes from an untrusted server: anything that is
// not exactly one of the forms below is ignored rather than guessed at, and the wait is
// capped so that a hostile or broken endpoint cannot park a delivery for months.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace hookd::delivery {

// The longest wait a Retry-After can ask for; larger values are clamped to it.
inline constexpr std::chrono::seconds max_retry_after{std::chrono::hours(24)};

// Accepts, with optional surrounding spaces or tabs:
// - delta-seconds: one or more ASCII digits ("120");
// - an HTTP-date in IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37 GMT"), or one of the obsolete
//   forms recipients must still accept: RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
//   ("Sun Nov  6 08:49:37 1994"). A date is turned into the wait from `now`, rounded up to a
//   whole second; a date in the past gives 0 s.
// Returns nullopt for anything else (empty, negative, fractional, a list, an impossible date).
// Never throws.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace hookd::delivery
