// Structured logging: one JSON object per line on stderr.
//
// Why a tiny logger of our own: hookd needs exactly three things from logs — JSON lines a
// collector can parse, a level filter, and rate limiting of repeated errors so one broken
// endpoint cannot flood stderr. Callers must never pass a secret, a whole payload, or a
// URL path/query (use delivery's origin string: scheme, host, port).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace hookd::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// A field is a key and a value already rendered as text; numbers are written unquoted
// when built with the integer constructor.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, long long v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, int v) : Field(k, static_cast<long long>(v)) {}
  Field(std::string_view k, unsigned v) : Field(k, static_cast<long long>(v)) {}
  Field(std::string_view k, long v) : Field(k, static_cast<long long>(v)) {}
  Field(std::string_view k, unsigned long v) : Field(k, static_cast<long long>(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}
  Field(std::string_view k, double v) : key(k), value(std::to_string(v)), quoted(false) {}
  std::string_view key;
  std::string value;
  bool quoted;
};

void set_level(Level level);
Level level();
// Parses "debug" | "info" | "warn" | "error"; returns false on anything else.
bool parse_level(std::string_view text, Level& out);

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::error, m, f); }

// Like write(), but at most `burst` lines per `key` every 10 seconds; the first line after
// a suppressed period carries "suppressed": N. For errors that repeat per event or per attempt.
void limited(Level level, std::string_view key, std::string_view message,
             std::initializer_list<Field> fields = {}, int burst = 5);

// Appends `text` to `out` as the inside of a JSON string (no surrounding quotes). The output
// is always valid UTF-8 whatever `text` holds: quotes, backslashes and control characters
// (NUL included) are escaped, well-formed UTF-8 is copied, and each ill-formed sequence
// (a stray continuation byte, a sequence cut short, an overlong form, a surrogate, a code
// point above U+10FFFF, Latin-1 or compressed bytes) becomes U+FFFD. Everything hookd writes
// as JSON goes through here (log lines, retry records, dead-letter headers), so a receiver's
// error body can never make a record hookd cannot read back (docs/contract.md). No allocation
// beyond `out`'s growth; plain ASCII is appended in runs.
void append_json_escaped(std::string& out, std::string_view text);

// Appends `text` to `out` as a JSON string, quotes included (escaped as above).
void append_json_string(std::string& out, std::string_view text);

}  // namespace hookd::log
