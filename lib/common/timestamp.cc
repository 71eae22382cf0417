#include "common/timestamp.h"

#include <algorithm>
#include <chrono>

namespace hookd {
namespace {

// Writes `value` as exactly `width` decimal digits (value is in range by construction).
char* put_digits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

// Formatted by hand rather than with snprintf: every attempt-log record carries one, on the
// delivery thread (docs/benchmarks.md, "The attempt record's timestamp").
std::string format_rfc3339_ms(std::int64_t unix_ms) {
  std::string out;
  append_rfc3339_ms(out, unix_ms);
  return out;
}

void append_rfc3339_ms(std::string& out, std::int64_t unix_ms) {
  using namespace std::chrono;
  constexpr std::int64_t kFirst = -62'167'219'200'000;  // 0000-01-01T00:00:00.000Z
  constexpr std::int64_t kLast = 253'402'300'799'999;   // 9999-12-31T23:59:59.999Z
  const sys_time<milliseconds> at{milliseconds(std::clamp(unix_ms, kFirst, kLast))};
  const auto day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss time{at - day};
  const int year = static_cast<int>(date.year());

  const std::size_t start = out.size();
  out.resize(start + 24);  // YYYY-MM-DDTHH:MM:SS.mmmZ
  char* p = out.data() + start;
  p = put_digits(p, static_cast<unsigned>(year), 4);
  *p++ = '-';
  p = put_digits(p, static_cast<unsigned>(date.month()), 2);
  *p++ = '-';
  p = put_digits(p, static_cast<unsigned>(date.day()), 2);
  *p++ = 'T';
  p = put_digits(p, static_cast<unsigned>(time.hours().count()), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<unsigned>(time.minutes().count()), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<unsigned>(time.seconds().count()), 2);
  *p++ = '.';
  p = put_digits(p, static_cast<unsigned>(time.subseconds().count()), 3);
  *p = 'Z';
}

}  // namespace hookd
