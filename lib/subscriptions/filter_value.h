// Scalar values as record filters compare them: JSON numbers (compared numerically, integers
// exactly) and JSON string contents (compared bytewise after unescaping).
//
// Shared by the compiler (operands, from Boost.JSON) and the evaluator (event values, from
// the raw bytes of an already validated envelope). Nothing here allocates except
// append_unescaped, which writes into a caller's reused buffer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::subscriptions::filter {

// A JSON number. Integers that fit int64 compare exactly (ids, counters, epoch millis beyond
// 2^53 stay distinct); anything else compares as a double.
struct Number {
  bool is_int = false;
  std::int64_t integer = 0;
  double real = 0;  // always set: the value as a double

  static Number of(std::int64_t value) { return {true, value, static_cast<double>(value)}; }
  static Number of(double value) { return {false, 0, value}; }
};

// <0, 0, >0. JSON has no NaN, so the order is total.
int compare(const Number& a, const Number& b);

// The number a JSON number token spells. nullopt only if `token` is not a number at all;
// magnitudes beyond a double become +-infinity or zero rather than failing.
std::optional<Number> parse_number(std::string_view token);

// Appends the unescaped form of a JSON string's contents (the bytes between the quotes) to
// `out`. The input comes from a validated document; a malformed escape is copied as is.
void append_unescaped(std::string_view raw, std::string& out);

}  // namespace hookd::subscriptions::filter
