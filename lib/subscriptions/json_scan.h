// One strict pass over a subscription record's bytes, before any field is read.
//
// Why a pass of our own on top of Boost.JSON's DOM parser: boost::json::parse silently keeps
// the last of duplicate keys, and re-serialising its DOM rewrites numbers (1.50 -> 1.5E0).
// A SAX handler on boost::json::basic_parser sees every key and the original number text,
// so it can refuse duplicates and render the "webhook" object receivers get with the
// producer's own spellings, minus the secrets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hookd::subscriptions::detail {

enum class ScanStatus { ok, not_json, duplicate_key };

struct ScanResult {
  ScanStatus status = ScanStatus::not_json;
  // The document as compact JSON without the root object's secret members (kSecretMembers),
  // only when ok.
  std::string compact_without_secret;
  std::string duplicate_key;  // the repeated key, for the log line (keys are not secret)
};

// Root members that hold key material: never part of what receivers get.
inline constexpr std::string_view kSecretMembers[] = {"secret", "previousSecrets", "signingKey"};

// Nesting deeper than this is refused as not_json, here and in the DOM parse that follows.
inline constexpr std::size_t kMaxDepth = 64;

// Validates `text` as exactly one strict JSON document (UTF-8, no comments, no trailing
// commas, nothing but whitespace after it) and refuses any object, at any depth, that
// repeats a key. Never throws on bad input.
ScanResult scan_json(std::string_view text);

}  // namespace hookd::subscriptions::detail
