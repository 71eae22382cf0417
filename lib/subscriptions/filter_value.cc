#include "subscriptions/filter_value.h"

#include <charconv>
#include <limits>
#include <system_error>

namespace hookd::subscriptions::filter {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits after "\u" at raw[at], or -1.
long read_hex4(std::string_view raw, std::size_t at) {
  if (at + 4 > raw.size()) return -1;
  long value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int digit = hex_digit(raw[at + i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

void append_utf8(unsigned long code_point, std::string& out) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

bool is_integer_token(std::string_view token) {
  return token.find_first_of(".eE") == std::string_view::npos;
}

}  // namespace

int compare(const Number& a, const Number& b) {
  if (a.is_int && b.is_int) return a.integer < b.integer ? -1 : (a.integer > b.integer ? 1 : 0);
  return a.real < b.real ? -1 : (a.real > b.real ? 1 : 0);
}

std::optional<Number> parse_number(std::string_view token) {
  if (token.empty()) return std::nullopt;
  const char* first = token.data();
  const char* last = token.data() + token.size();
  if (is_integer_token(token)) {
    std::int64_t integer = 0;
    const auto [end, ec] = std::from_chars(first, last, integer);
    if (ec == std::errc() && end == last) return Number::of(integer);
    // Out of int64's range: falls through to a double.
  }
  double real = 0;
  const auto [end, ec] = std::from_chars(first, last, real);
  if (end != last) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves the value untouched: decide between overflow and underflow.
    const std::size_t e = token.find_first_of("eE");
    const bool tiny = e != std::string_view::npos && e + 1 < token.size() && token[e + 1] == '-';
    const bool negative = token.front() == '-';
    if (tiny) return Number::of(negative ? -0.0 : 0.0);
    const double inf = std::numeric_limits<double>::infinity();
    return Number::of(negative ? -inf : inf);
  }
  if (ec != std::errc()) return std::nullopt;
  return Number::of(real);
}

void append_unescaped(std::string_view raw, std::string& out) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\' || i + 1 >= raw.size()) {
      out.push_back(c);
      continue;
    }
    const char e = raw[++i];
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        long unit = read_hex4(raw, i + 1);
        if (unit < 0) {
          out.append("\\u");
          break;
        }
        i += 4;
        unsigned long code_point = static_cast<unsigned long>(unit);
        // A high surrogate followed by "\uDC00".."\uDFFF" is one code point.
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 2 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u') {
          const long low = read_hex4(raw, i + 3);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            code_point = 0x10000 + ((static_cast<unsigned long>(unit) - 0xD800) << 10) +
                         (static_cast<unsigned long>(low) - 0xDC00);
            i += 6;
          }
        }
        append_utf8(code_point, out);
        break;
      }
      default:
        out.push_back('\\');
        out.push_back(e);
        break;
    }
  }
}

}  // namespace hookd::subscriptions::filter
