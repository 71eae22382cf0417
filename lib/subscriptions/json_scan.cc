#include "subscriptions/json_scan.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/log.h"

namespace hookd::subscriptions::detail {
namespace {

namespace json = boost::json;

bool is_secret_member(std::string_view key) {
  return std::find(std::begin(kSecretMembers), std::end(kSecretMembers), key) != std::end(kSecretMembers);
}

// SAX handler: writes the compact rendering while it checks keys. Member order is kept;
// the root object's secret members (kSecretMembers) are skipped together with their values.
class CompactWriter {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::string out;
  bool duplicate = false;
  std::string duplicate_key;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) { return open('{', true); }
  bool on_object_end(std::size_t, json::error_code&) { return close('}'); }
  bool on_array_begin(json::error_code&) { return open('[', false); }
  bool on_array_end(std::size_t, json::error_code&) { return close(']'); }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    pending_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    pending_.append(s.data(), s.size());
    Level& level = stack_.back();
    if (!level.keys.insert(pending_).second) {
      duplicate = true;
      duplicate_key = pending_;
      // Any error code stops the parser; `duplicate` tells the caller which one it was.
      ec = json::error::syntax;
      return false;
    }
    if (!skipping_ && stack_.size() == 1 && is_secret_member(pending_)) {
      skipping_ = true;
      skip_depth_ = stack_.size();
    } else if (!skipping_) {
      if (!level.first) out += ',';
      level.first = false;
      out += '"';
      log::append_json_escaped(out, pending_);
      out += "\":";
    }
    pending_.clear();
    return true;
  }

  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    pending_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    pending_.append(s.data(), s.size());
    if (before_value()) {
      out += '"';
      log::append_json_escaped(out, pending_);
      out += '"';
    }
    pending_.clear();
    after_value();
    return true;
  }

  // The number's own text is kept; the parsed value is not needed.
  bool on_number_part(json::string_view s, json::error_code&) {
    pending_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t, json::string_view s, json::error_code&) { return number(s); }
  bool on_uint64(std::uint64_t, json::string_view s, json::error_code&) { return number(s); }
  bool on_double(double, json::string_view s, json::error_code&) { return number(s); }

  bool on_bool(bool b, json::error_code&) { return literal(b ? "true" : "false"); }
  bool on_null(json::error_code&) { return literal("null"); }

  // Comments are refused by the parse options; these only satisfy the handler concept.
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  struct Level {
    bool is_object;
    bool first = true;
    std::unordered_set<std::string> keys;  // objects only
  };

  // Writes the comma an array element needs; returns whether the value is to be written.
  bool before_value() {
    if (skipping_) return false;
    if (!stack_.empty() && !stack_.back().is_object) {
      if (!stack_.back().first) out += ',';
      stack_.back().first = false;
    }
    return true;
  }
  void after_value() {
    if (skipping_ && stack_.size() == skip_depth_) skipping_ = false;
  }
  bool open(char bracket, bool is_object) {
    if (before_value()) out += bracket;
    stack_.push_back(Level{is_object, true, {}});
    return true;
  }
  bool close(char bracket) {
    stack_.pop_back();
    if (!skipping_) out += bracket;
    after_value();
    return true;
  }
  bool number(json::string_view s) {
    pending_.append(s.data(), s.size());
    if (before_value()) out += pending_;
    pending_.clear();
    after_value();
    return true;
  }
  bool literal(std::string_view text) {
    if (before_value()) out += text;
    after_value();
    return true;
  }

  std::vector<Level> stack_;
  std::string pending_;  // key, string or number text being assembled from parts
  bool skipping_ = false;
  std::size_t skip_depth_ = 0;  // stack depth at which the skipped member lives
};

}  // namespace

ScanResult scan_json(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxDepth;  // strict JSON otherwise: no comments, commas, bad UTF-8
  json::basic_parser<CompactWriter> parser(options);
  parser.handler().out.reserve(text.size());  // at most about as long as the input
  json::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);

  ScanResult result;
  CompactWriter& writer = parser.handler();
  if (writer.duplicate) {
    result.status = ScanStatus::duplicate_key;
    result.duplicate_key = std::move(writer.duplicate_key);
  } else if (ec || used != text.size()) {
    result.status = ScanStatus::not_json;
  } else {
    result.status = ScanStatus::ok;
    result.compact_without_secret = std::move(writer.out);
  }
  return result;
}

}  // namespace hookd::subscriptions::detail
