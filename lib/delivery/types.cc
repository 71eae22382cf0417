#include "delivery/types.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace hookd::delivery {

bool valid_header_name(std::string_view name) {
  // tchar (RFC 9110 5.6.2).
  constexpr std::string_view punctuation = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           punctuation.find(c) != std::string_view::npos;
  });
}

namespace {

bool valid_value_bytes(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

}  // namespace

bool valid_header_value(std::string_view value) {
  // Every header of every attempt passes here, signatures included: eight bytes at a time. A
  // word with a byte below 0x20 or equal to 0x7f (the test may also flag a clean word, never
  // miss one) goes to the byte-wise check, which alone knows HTAB is allowed.
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  std::size_t at = 0;
  for (; at + 8 <= value.size(); at += 8) {
    std::uint64_t word;
    std::memcpy(&word, value.data() + at, sizeof word);
    const std::uint64_t below_space = (word - ones * 0x20) & ~word & highs;
    const std::uint64_t del = word ^ (ones * 0x7f);  // a zero byte where word held 0x7f
    const std::uint64_t has_del = (del - ones) & ~del & highs;
    if ((below_space | has_del) != 0 && !valid_value_bytes(value.substr(at, 8))) return false;
  }
  return valid_value_bytes(value.substr(at));
}

std::string_view to_string(AttemptResult result) {
  // Exhaustive on purpose (no default): a new result must get its label here.
  switch (result) {
    case AttemptResult::success_2xx: return "2xx";
    case AttemptResult::status_3xx: return "3xx";
    case AttemptResult::status_4xx: return "4xx";
    case AttemptResult::status_5xx: return "5xx";
    case AttemptResult::timeout: return "timeout";
    case AttemptResult::dns_error: return "dns_error";
    case AttemptResult::connect_error: return "connect_error";
    case AttemptResult::tls_error: return "tls_error";
    case AttemptResult::protocol_error: return "protocol_error";
    case AttemptResult::blocked: return "blocked";
    case AttemptResult::origin_queue_full: return "origin_queue_full";
    case AttemptResult::tenant_over_budget: return "tenant_over_budget";
    case AttemptResult::cancelled: return "cancelled";
  }
  return "protocol_error";
}

}  // namespace hookd::delivery
