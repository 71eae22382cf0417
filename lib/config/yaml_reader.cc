#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <set>
#include <utility>
#include <vector>

#include "common/units.h"

namespace hookd::config::detail {
namespace {

int line_of(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A close known key for a typo ("timeot" -> "timeout"), or empty.
std::string_view closest(std::string_view unknown, std::initializer_list<std::string_view> known) {
  std::string_view best;
  std::size_t best_distance = 3;  // suggest only near misses
  for (std::string_view candidate : known) {
    const std::size_t d = edit_distance(unknown, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

bool is_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::string shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  if (text.size() > 64) out += "...";
  return out;
}

void fail(const YAML::Node& at, const std::string& key, std::string message) {
  throw Failure{ConfigError{key, std::move(message), line_of(at)}};
}

std::string join_key(const std::string& parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  std::string out = parent;
  out += '.';
  out += child;
  return out;
}

YAML::Node child(const YAML::Node& section, const char* name) {
  if (section.IsDefined() && section.IsMap()) {
    const YAML::Node found = section[std::string(name)];
    if (found.IsDefined()) return found;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool is_valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

void YamlReader::expect_section(const YAML::Node& section, const std::string& path,
                                std::initializer_list<std::string_view> known) const {
  if (!section.IsDefined() || section.IsNull()) return;  // absent or empty: all defaults
  if (!section.IsMap()) {
    fail(section, path, path.empty() ? "the configuration must be a mapping of sections"
                                     : path + ": expected a mapping of keys");
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& entry : section) {
    if (!entry.first.IsScalar()) {
      fail(entry.first, path, (path.empty() ? std::string("keys") : path + ": keys") +
                                  " must be plain words");
    }
    const std::string& name = entry.first.Scalar();
    const std::string key = join_key(path, name);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string message = "unknown key \"" + key + "\"";
      if (std::string_view hint = closest(name, known); !hint.empty()) {
        message += " (did you mean \"" + join_key(path, hint) + "\"?)";
      }
      fail(entry.first, key, std::move(message));
    }
    if (!seen.insert(name).second) fail(entry.first, key, "duplicate key \"" + key + "\"");
  }
}

std::string YamlReader::written(const YAML::Node& value) {
  if (!value.IsScalar()) return value.IsNull() ? "nothing" : "a list or mapping";
  return "\"" + shown(value.Scalar()) + "\"";
}

void YamlReader::expected(const YAML::Node& value, const std::string& key, std::string_view what) {
  fail(value, key, key + ": expected " + std::string(what) + ", got " + written(value));
}

std::string YamlReader::substitute(const YAML::Node& value, const std::string& key) const {
  const std::string& raw = value.Scalar();
  std::string out;
  out.reserve(raw.size());
  std::size_t i = 0;
  while (i < raw.size()) {
    if (raw.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
    } else if (raw.compare(i, 2, "${") == 0) {
      const std::size_t close = raw.find('}', i + 2);
      if (close == std::string::npos) {
        fail(value, key, key + ": unterminated \"${\" (write \"$${\" for a literal \"${\")");
      }
      const std::string name = raw.substr(i + 2, close - i - 2);
      if (!is_env_name(name)) {
        fail(value, key, key + ": \"${" + shown(name) +
                             "}\" is not an environment variable reference (letters, digits, _)");
      }
      const std::optional<std::string> found = env_(name);
      if (!found) fail(value, key, key + ": environment variable " + name + " is not set");
      out += *found;
      i = close + 1;
    } else {
      out += raw[i++];
    }
  }
  return out;
}

std::string YamlReader::text(const YAML::Node& value, const std::string& key) const {
  if (!value.IsScalar()) expected(value, key, "a single value");
  return substitute(value, key);
}

std::string YamlReader::non_empty_text(const YAML::Node& value, const std::string& key) const {
  std::string out = text(value, key);
  if (out.empty()) expected(value, key, "a non-empty value");
  return out;
}

std::chrono::milliseconds YamlReader::duration(const YAML::Node& value,
                                               const std::string& key) const {
  static constexpr std::string_view kWhat =
      "a positive duration: digits and a unit ms, s, m or h (e.g. 250ms, 7s, 5m, 2h)";
  if (!value.IsScalar()) expected(value, key, kWhat);
  const std::optional<std::chrono::milliseconds> parsed = parse_duration(substitute(value, key));
  if (!parsed || parsed->count() <= 0) expected(value, key, kWhat);
  return *parsed;
}

std::size_t YamlReader::size(const YAML::Node& value, const std::string& key) const {
  static constexpr std::string_view kWhat =
      "a positive size: bytes, or digits and a unit KiB or MiB (e.g. 65536, 64KiB, 1MiB)";
  if (!value.IsScalar()) expected(value, key, kWhat);
  const std::optional<std::uint64_t> parsed = parse_size(substitute(value, key));
  if (!parsed || *parsed == 0) expected(value, key, kWhat);
  return static_cast<std::size_t>(*parsed);
}

int YamlReader::positive_int(const YAML::Node& value, const std::string& key) const {
  static constexpr std::string_view kWhat = "a positive integer";
  if (!value.IsScalar()) expected(value, key, kWhat);
  const std::string digits = substitute(value, key);
  int n = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, n);
  if (digits.empty() || digits[0] == '-' || ec != std::errc{} || ptr != end || n <= 0) {
    expected(value, key, kWhat);
  }
  return n;
}

bool YamlReader::boolean(const YAML::Node& value, const std::string& key) const {
  static constexpr std::string_view kWhat = "true or false";
  if (!value.IsScalar()) expected(value, key, kWhat);
  const std::string word = substitute(value, key);
  if (word == "true" || word == "True" || word == "TRUE") return true;
  if (word == "false" || word == "False" || word == "FALSE") return false;
  expected(value, key, kWhat);
}

std::string YamlReader::topic_name(const YAML::Node& value, const std::string& key) const {
  static constexpr std::string_view kWhat =
      "a Kafka topic name: 1 to 249 of a-z A-Z 0-9 . _ - (not \".\" or \"..\")";
  if (!value.IsScalar()) expected(value, key, kWhat);
  std::string name = substitute(value, key);
  if (!is_valid_topic_name(name)) expected(value, key, kWhat);
  return name;
}

}  // namespace hookd::config::detail
