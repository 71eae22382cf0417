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
