#include "delivery/request_headers.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <boost/beast/core/string.hpp>

namespace hookd::delivery {

namespace {

bool valid_value_bytes(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

constexpr std::string_view kSeparator = ": ";
constexpr std::string_view kLineEnd = "\r\n";

}  // namespace

bool valid_header_name(std::string_view name) {
  // tchar (RFC 9110 5.6.2).
  constexpr std::string_view punctuation = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           punctuation.find(c) != std::string_view::npos;
  });
}

bool valid_header_value(std::string_view value) {
  // Every header of every request passes here, signatures included: eight bytes at a time. A
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

bool framing_header(std::string_view name) {
  using boost::beast::iequals;
  return iequals(name, "host") || iequals(name, "content-length") || iequals(name, "transfer-encoding");
}

RequestHeaders::RequestHeaders(std::initializer_list<value_type> headers) {
  for (const auto& [name, value] : headers) add(name, value);
}

void RequestHeaders::add(std::string_view name, std::string_view value) {
  if (!refusal_.empty()) return;  // the set is refused already; the first reason stands
  if (framing_header(name)) {
    refusal_ = "header " + std::string(name) + " is written by hookd, not by the caller";
    return;
  }
  if (!valid_header_name(name) || !valid_header_value(value)) {
    refusal_ = "header " + (valid_header_name(name) ? std::string(name) : std::string("name")) +
               " holds a character that cannot be sent";
    return;
  }
  wire_.append(name).append(kSeparator).append(value).append(kLineEnd);
  ++count_;
}

bool RequestHeaders::contains(std::string_view name) const {
  return std::any_of(begin(), end(), [&](const value_type& header) { return boost::beast::iequals(header.first, name); });
}

// A line is "name: value\r\n", and add() let neither a ':' into a name nor a CR into a value.
RequestHeaders::const_iterator::const_iterator(std::string_view rest) : rest_(rest) { read_line(); }

void RequestHeaders::const_iterator::read_line() {
  if (rest_.empty()) return;
  const std::size_t colon = rest_.find(':');
  const std::size_t value_at = colon + kSeparator.size();
  current_ = {rest_.substr(0, colon), rest_.substr(value_at, rest_.find('\r', value_at) - value_at)};
}

RequestHeaders::const_iterator& RequestHeaders::const_iterator::operator++() {
  rest_.remove_prefix(current_.first.size() + kSeparator.size() + current_.second.size() + kLineEnd.size());
  read_line();
  return *this;
}

}  // namespace hookd::delivery
