#include "common/log.h"

#include "common/timestamp.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hookd::log {
namespace {

std::atomic<Level> g_level{Level::info};

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

std::string timestamp_now() {
  using namespace std::chrono;
  return format_rfc3339_ms(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

void emit(Level l, std::string_view message, std::initializer_list<Field> fields, long long suppressed) {
  std::string line;
  line.reserve(128);
  line += "{\"ts\":\"";
  line += timestamp_now();
  line += "\",\"level\":\"";
  line += level_name(l);
  line += "\",\"msg\":\"";
  append_json_escaped(line, message);
  line += '"';
  for (const Field& f : fields) {
    line += ",\"";
    append_json_escaped(line, f.key);
    line += "\":";
    if (f.quoted) {
      line += '"';
      append_json_escaped(line, f.value);
      line += '"';
    } else {
      line += f.value;
    }
  }
  if (suppressed > 0) {
    line += ",\"suppressed\":";
    line += std::to_string(suppressed);
  }
  line += "}\n";
  // One fwrite per line: stdio locks the stream, so lines from threads never interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void set_level(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level level() { return g_level.load(std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) {
  if (text == "debug") out = Level::debug;
  else if (text == "info") out = Level::info;
  else if (text == "warn") out = Level::warn;
  else if (text == "error") out = Level::error;
  else return false;
  return true;
}

void write(Level l, std::string_view message, std::initializer_list<Field> fields) {
  if (l < level()) return;
  emit(l, message, fields, 0);
}

void limited(Level l, std::string_view key, std::string_view message,
             std::initializer_list<Field> fields, int burst) {
  if (l < level()) return;
  struct Window {
    std::chrono::steady_clock::time_point start;
    int emitted = 0;
    long long suppressed = 0;
  };
  // Only reached on error paths, never per successful delivery: a mutex is fine here.
  static std::mutex mu;
  static std::unordered_map<std::string, Window> windows;
  long long report_suppressed = 0;
  {
    std::lock_guard lock(mu);
    auto& w = windows[std::string(key)];
    const auto now = std::chrono::steady_clock::now();
    if (now - w.start > std::chrono::seconds(10)) {
      report_suppressed = w.suppressed;
      w = Window{now, 0, 0};
    }
    if (w.emitted >= burst) {
      ++w.suppressed;
      return;
    }
    ++w.emitted;
  }
  emit(l, message, fields, report_suppressed);
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  append_json_escaped(out, text);
  out += '"';
}

namespace {

// Bytes that go out as they are: printable ASCII but the quote and the backslash.
constexpr bool is_plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// The length of the well-formed UTF-8 sequence at the start of `s` (Unicode table 3-7: no
// overlong form, no surrogate, nothing above U+10FFFF), or 0 when it is ill-formed. `valid`
// is then the length of its maximal well-formed prefix (at least 1), which is replaced by one
// U+FFFD: the Unicode standard's "maximal subpart" practice, which the WHATWG decoder follows.
std::size_t utf8_sequence(std::string_view s, std::size_t& valid) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) high = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    valid = 1;  // a continuation byte, C0/C1 (always overlong) or F5..FF
    return 0;
  }
  valid = 1;
  if (s.size() < 2 || byte(1) < low || byte(1) > high) return 0;
  for (valid = 2; valid < length; ++valid) {
    if (valid >= s.size() || byte(valid) < 0x80 || byte(valid) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
  std::size_t i = 0;
  while (i < text.size()) {
    // The common case: a run of plain ASCII, appended in one go.
    std::size_t run = i;
    while (run < text.size() && is_plain(static_cast<unsigned char>(text[run]))) ++run;
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      if (i == text.size()) break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:  // the other control characters, NUL included
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
      }
      ++i;
      continue;
    }
    std::size_t valid = 0;
    if (const std::size_t length = utf8_sequence(text.substr(i), valid)) {
      out.append(text.data() + i, length);
      i += length;
    } else {
      out += replacement;
      i += valid;
    }
  }
}

}  // namespace hookd::log
