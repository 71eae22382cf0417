// libFuzzer target: subscription records (docs/subscriptions.md) as Blue's producers, or
// anyone who can write the topic, may send them.
//
// Input: the first line is the record key, the rest the record value. The value is parsed
// with that key and, when its "id" is a string, with the id as the key too (so the fields
// after the key check are reached without the fuzzer guessing equal bytes twice).
// Invariants checked on every accepted subscription:
//   - the id matches [A-Za-z0-9._:-]{1,128} and equals the key; companyId is not empty;
//   - the URL is one the HTTP client accepts (delivery::parse_target_url), with the same
//     scheme, host, port, request target and origin the subscription holds, a host without a
//     trailing dot and a request target rooted at '/';
//   - events are sorted, unique, [A-Z0-9_]+; project ids sorted, unique, non-empty;
//   - the rate limit is in [0, 100000]; at most 10 previous secrets;
//   - "webhook" (what receivers get) is a JSON object in valid UTF-8 without the secret
//     members, and the same record parses to the same subscription again.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "delivery/target_url.h"
#include "subscriptions/json_scan.h"
#include "subscriptions/parse.h"

namespace {

using hookd::subscriptions::Subscription;

// Names the invariant broken before aborting, so a crash report says which one.
#define require(condition) \
  ((condition) ? void() : (std::fprintf(stderr, "invariant broken: %s (line %d)\n", #condition, __LINE__), std::abort()))

bool is_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

bool is_event_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

bool sorted_unique(Subscription::TextList values) {
  return std::adjacent_find(values.begin(), values.end(),
                            [](std::string_view a, std::string_view b) { return !(a < b); }) == values.end();
}

void check(std::string_view key, std::string_view value) {
  const auto parsed = hookd::subscriptions::parse_subscription(key, value);
  const auto* accepted = std::get_if<std::shared_ptr<const Subscription>>(&parsed);
  if (accepted == nullptr) {
    const auto& invalid = std::get<hookd::subscriptions::Invalid>(parsed);
    require(!invalid.detail.empty());
    return;
  }
  const Subscription& s = **accepted;

  const std::string_view id = s.id();
  require(id == key && !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), is_id_char));
  require(!s.company_id().empty());

  const auto url = hookd::delivery::parse_target_url(s.url());
  require(url.has_value());
  require(url->tls == s.https() && url->host == s.host() && url->port == s.port() && url->target == s.target() &&
          url->origin == s.origin());
  require(!s.host().empty() && s.host().back() != '.' && s.port() != 0);
  require(!s.target().empty() && s.target().front() == '/');

  require(sorted_unique(s.events()));
  for (std::string_view event : s.events()) {
    require(!event.empty() && std::all_of(event.begin(), event.end(), is_event_char));
  }
  require(sorted_unique(s.project_ids()));
  for (std::string_view project : s.project_ids()) require(!project.empty());
  require(s.rate_limit_per_second() >= 0 && s.rate_limit_per_second() <= 100'000);
  require(s.previous_keys().size() <= 10);

  // Read back with the nesting hookd accepts (64), not Boost's default of 32: a document
  // between the two is valid, and receivers get it as hookd accepted it.
  boost::json::parse_options options;
  options.max_depth = hookd::subscriptions::detail::kMaxDepth;
  boost::json::error_code ec;
  const boost::json::value webhook =
      boost::json::parse(boost::json::string_view(s.webhook_json().data(), s.webhook_json().size()), ec, {}, options);
  require(!ec && webhook.is_object());
  for (const char* secret : {"secret", "previousSecrets", "signingKey"}) require(!webhook.get_object().contains(secret));

  const auto again = hookd::subscriptions::parse_subscription(key, value);
  const auto* same = std::get_if<std::shared_ptr<const Subscription>>(&again);
  require(same != nullptr);
  const Subscription& t = **same;
  require(t.webhook_json() == s.webhook_json() && t.url() == s.url() &&
          t.signing_key().secret == s.signing_key().secret && std::ranges::equal(t.events(), s.events()) &&
          std::ranges::equal(t.project_ids(), s.project_ids()) && t.enabled() == s.enabled() &&
          t.company_id() == s.company_id());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view key = input.substr(0, newline);
  const std::string_view value = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  check(key, value);

  boost::json::error_code ec;
  const boost::json::value document = boost::json::parse(boost::json::string_view(value.data(), value.size()), ec);
  if (!ec && document.is_object()) {
    if (const auto* id = document.get_object().if_contains("id"); id != nullptr && id->is_string()) {
      const std::string own_key(id->get_string());
      if (own_key != key) check(own_key, value);
    }
  }
  return 0;
}
