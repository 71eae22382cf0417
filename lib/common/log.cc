#include "common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
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
  const auto now = system_clock::now();
  const auto secs = time_point_cast<seconds>(now);
  const auto ms = duration_cast<milliseconds>(now - secs).count();
  const std::time_t t = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];  // roomy: g++ cannot prove tm fields are in range (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
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

void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

}  // namespace hookd::log
