#include "delivery/retry_after.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace hookd::delivery {

namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 7> short_days = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> long_days = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                       "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Names are case-sensitive in the grammar; accepting "sun" or "GMT" in lower case costs
// nothing and only ever turns an ignored header into a honoured one.
bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// A forward-only reader over the header value; every step fails softly.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  bool literal(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool literal(std::string_view word) {
    if (!equals_ignoring_case(text_.substr(pos_, word.size()), word)) return false;
    pos_ += word.size();
    return true;
  }

  // Exactly `count` digits.
  std::optional<int> digits(std::size_t count) {
    if (text_.size() - pos_ < count) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[pos_ + i];
      if (!is_digit(c)) return std::nullopt;
      value = value * 10 + (c - '0');
    }
    pos_ += count;
    return value;
  }

  // The index of the first name in `names` found here (callers try "Sunday" before "Sun").
  template <std::size_t N>
  std::optional<int> one_of(const std::array<std::string_view, N>& names) {
    for (std::size_t i = 0; i < N; ++i) {
      if (literal(names[i])) return static_cast<int>(i);
    }
    return std::nullopt;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

struct DateTime {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

// time-of-day = hour ":" minute ":" second
bool read_time(Cursor& in, DateTime& out) {
  const auto hour = in.digits(2);
  if (!hour || !in.literal(':')) return false;
  const auto minute = in.digits(2);
  if (!minute || !in.literal(':')) return false;
  const auto second = in.digits(2);
  if (!second) return false;
  out.hour = *hour;
  out.minute = *minute;
  out.second = *second;
  return true;
}

bool read_month(Cursor& in, DateTime& out) {
  const auto month = in.one_of(months);
  if (!month) return false;
  out.month = *month + 1;
  return true;
}

// "Sun, 06 Nov 1994 08:49:37 GMT", after "Sun".
bool read_imf_fixdate_rest(Cursor& in, DateTime& out) {
  if (!in.literal(", ")) return false;
  const auto day = in.digits(2);
  if (!day || !in.literal(' ') || !read_month(in, out) || !in.literal(' ')) return false;
  const auto year = in.digits(4);
  if (!year || !in.literal(' ') || !read_time(in, out)) return false;
  out.day = *day;
  out.year = *year;
  return in.literal(" GMT");
}

// "Sun Nov  6 08:49:37 1994", after "Sun".
bool read_asctime_rest(Cursor& in, DateTime& out) {
  if (!in.literal(' ') || !read_month(in, out) || !in.literal(' ')) return false;
  std::optional<int> day;
  if (in.literal(' ')) {
    day = in.digits(1);
  } else {
    day = in.digits(2);
  }
  if (!day || !in.literal(' ') || !read_time(in, out) || !in.literal(' ')) return false;
  const auto year = in.digits(4);
  if (!year) return false;
  out.day = *day;
  out.year = *year;
  return true;
}

// "Sunday, 06-Nov-94 08:49:37 GMT", after "Sunday". RFC 9110 section 5.6.7: a two-digit
// year that would be more than 50 years in the future is the most recent past year with
// those digits.
bool read_rfc850_rest(Cursor& in, DateTime& out, int current_year) {
  if (!in.literal(", ")) return false;
  const auto day = in.digits(2);
  if (!day || !in.literal('-') || !read_month(in, out) || !in.literal('-')) return false;
  const auto two_digit_year = in.digits(2);
  if (!two_digit_year || !in.literal(' ') || !read_time(in, out)) return false;
  int year = current_year - current_year % 100 + *two_digit_year;
  if (year > current_year + 50) year -= 100;
  out.day = *day;
  out.year = year;
  return in.literal(" GMT");
}

std::optional<sys_seconds> parse_http_date(std::string_view text, int current_year) {
  DateTime date;
  Cursor in(text);
  bool parsed = false;
  if (in.one_of(long_days)) {
    parsed = read_rfc850_rest(in, date, current_year);
  } else if (in.one_of(short_days)) {
    parsed = in.peek() == ',' ? read_imf_fixdate_rest(in, date) : read_asctime_rest(in, date);
  }
  if (!parsed || !in.at_end()) return std::nullopt;

  // 60 is a leap second: valid in the grammar, and one second late is harmless.
  if (date.hour > 23 || date.minute > 59 || date.second > 60) return std::nullopt;
  const year_month_day ymd{year{date.year}, month{static_cast<unsigned>(date.month)},
                           day{static_cast<unsigned>(date.day)}};
  if (!ymd.ok()) return std::nullopt;  // 31 Feb and the like
  return sys_days{ymd} + hours{date.hour} + minutes{date.minute} + seconds{date.second};
}

std::optional<seconds> parse_delta_seconds(std::string_view text) {
  std::int64_t value = 0;
  for (const char c : text) {
    if (!is_digit(c)) return std::nullopt;
    // Saturate instead of overflowing: any huge number means "the cap".
    if (value <= max_retry_after.count()) value = value * 10 + (c - '0');
  }
  return seconds{value < max_retry_after.count() ? value : max_retry_after.count()};
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<seconds> parse_retry_after(std::string_view value, system_clock::time_point now) {
  while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (is_digit(value.front())) return parse_delta_seconds(value);

  const int current_year = static_cast<int>(year_month_day{floor<days>(now)}.year());
  const std::optional<sys_seconds> when = parse_http_date(value, current_year);
  if (!when) return std::nullopt;
  // Compared in seconds first: system_clock counts nanoseconds and overflows for dates a few
  // centuries away, which a four-digit year can name.
  const sys_seconds now_seconds = floor<seconds>(now);
  if (*when <= now_seconds) return seconds{0};
  if (*when - now_seconds >= max_retry_after) return max_retry_after;
  return ceil<seconds>(*when - now);
}

}  // namespace hookd::delivery
