// Parsing of the human units used in hookd's config: durations ("7s", "250ms", "5m", "2h")
// and sizes ("64KiB", "1MiB", or plain bytes).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hookd {

// "<digits>(ms|s|m|h)"; nullopt on anything else (no sign, no spaces, no fractions).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "<digits>" bytes, or "<digits>(B|KiB|MiB|GiB)"; nullopt on anything else or overflow.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace hookd
