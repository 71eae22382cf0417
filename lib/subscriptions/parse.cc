#include "subscriptions/parse.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "common/host_port.h"
#include "events/rfc3339.h"
#include "subscriptions/json_scan.h"

namespace hookd::subscriptions {
namespace {

namespace json = boost::json;
namespace urls = boost::urls;

std::string_view view(const json::string& s) { return {s.data(), s.size()}; }

Invalid invalid(InvalidReason reason, std::string detail) { return Invalid{reason, std::move(detail)}; }

// Looks a member up; null counts as absent for every optional member.
const json::value* member(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(json::string_view(key.data(), key.size()));
  return v != nullptr && v->is_null() ? nullptr : v;
}

bool is_event_type(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Webhook ids go into request headers (x-blue-webhook-id), metric-free logs and dead-letter
// headers, so they are held to a pattern no header or log line can be broken by
// (docs/subscriptions.md): 1 to kMaxIdBytes of [A-Za-z0-9._:-].
constexpr std::size_t kMaxIdBytes = 128;

bool is_webhook_id(std::string_view text) {
  return !text.empty() && text.size() <= kMaxIdBytes && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
  });
}

void sort_unique(std::vector<std::string>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

// Reads an optional array of strings that must each satisfy `valid`.
template <class Valid>
std::optional<Invalid> read_string_list(const json::object& object, std::string_view name,
                                        Valid valid, std::vector<std::string>& out) {
  const json::value* v = member(object, name);
  if (v == nullptr) return std::nullopt;
  const std::string field = "metadata." + std::string(name);
  if (!v->is_array()) return invalid(InvalidReason::invalid_field, field + " is not an array");
  for (const json::value& item : v->get_array()) {
    if (!item.is_string() || !valid(view(item.get_string()))) {
      return invalid(InvalidReason::invalid_field, field + " has an invalid entry");
    }
    out.emplace_back(view(item.get_string()));
  }
  sort_unique(out);
  return std::nullopt;
}

// Reads a required non-empty string member.
std::optional<Invalid> read_required_string(const json::object& object, std::string_view name,
                                            std::string& out) {
  const json::value* v = member(object, name);
  if (v == nullptr) return invalid(InvalidReason::missing_field, std::string(name) + " is missing");
  if (!v->is_string() || v->get_string().empty()) {
    return invalid(InvalidReason::invalid_field, std::string(name) + " is not a non-empty string");
  }
  out = view(v->get_string());
  return std::nullopt;
}

// At most `limit` bytes of `text`, cut before a multi-byte UTF-8 sequence rather than inside it.
std::string clipped(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

// Fills url, https, host, port and target. Details never quote the URL: its path
// and query may carry tokens.
std::optional<Invalid> read_url(std::string_view text, SubscriptionFields& s) {
  urls::result<urls::url_view> parsed = urls::parse_absolute_uri(text);
  if (!parsed) return invalid(InvalidReason::invalid_url, "url is not an absolute URI");
  const urls::url_view& u = *parsed;
  if (u.scheme_id() == urls::scheme::https) {
    s.https = true;
  } else if (u.scheme_id() == urls::scheme::http) {
    s.https = false;
  } else {
    return invalid(InvalidReason::invalid_url, "url scheme is not http or https");
  }
  if (u.has_userinfo()) return invalid(InvalidReason::invalid_url, "url carries user info");

  switch (u.host_type()) {
    case urls::host_type::name: {
      std::string_view host = u.encoded_host();
      // A percent-escaped DNS name is legal URI syntax but no resolver takes it, and it
      // would let two spellings of one origin escape the per-origin caps.
      if (host.find('%') != std::string_view::npos) {
        return invalid(InvalidReason::invalid_url, "url host has percent-escapes");
      }
      // "example.com." is "example.com": one origin, one SNI name (delivery/target_url.h
      // does the same). A second dot would be an empty label.
      if (!host.empty() && host.back() == '.') host.remove_suffix(1);
      if (host.empty() || host.back() == '.') return invalid(InvalidReason::invalid_url, "url host has an empty label");
      // The HTTP client resolves only what can be a DNS name (delivery/target_url.h): a host
      // such as "a!b.example" is legal URI syntax, but every delivery to it would be blocked.
      if (!common::plausible_host_name(host)) {
        return invalid(InvalidReason::invalid_url, "url host is not a DNS name (letters, digits, - _ .; 253 at most)");
      }
      s.host = lower(host);
      break;
    }
    case urls::host_type::ipv4:
      s.host = std::string(u.encoded_host());
      break;
    case urls::host_type::ipv6:
      s.host = lower(u.encoded_host_address());
      break;
    case urls::host_type::ipvfuture:
    case urls::host_type::none:
      return invalid(InvalidReason::invalid_url, "url has no usable host");
  }
  if (s.host.empty()) return invalid(InvalidReason::invalid_url, "url has an empty host");

  // After an authority the path is empty or starts with '/' (RFC 3986 3.3). Boost.URL 1.81
  // accepts "http://1.2.3.4.example.com/x" as host 1.2.3.4 with path ".example.com/x":
  // the webhook would be delivered to an address its owner never named.
  if (const std::string_view path = u.encoded_path(); !path.empty() && path.front() != '/') {
    return invalid(InvalidReason::invalid_url, "url path does not start with '/' (the host is ambiguous)");
  }

  s.port = s.https ? 443 : 80;
  if (u.has_port() && !u.port().empty()) {  // "host:" means the default port (RFC 3986 3.2.3)
    // From the text, not port_number(): Boost.URL 1.81 wraps some ports above 65535 (8088080
    // reads as 27152) instead of reporting them, and the client would refuse the URL anyway.
    const std::string_view text = u.port();
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc{} || end != text.data() + text.size() || port == 0 || port > 65535) {
      return invalid(InvalidReason::invalid_url, "url port is not 1-65535");
    }
    s.port = static_cast<std::uint16_t>(port);
  }

  const std::string_view target = u.encoded_target();
  if (target.empty() || target.front() != '/') s.target = "/";
  s.target += target;

  s.url = std::string(text);
  return std::nullopt;
}

// More previous secrets than this is a mistake, not a rotation, and each one costs an
// HMAC per delivery.
constexpr std::size_t kMaxPreviousSecrets = 10;

// "previousSecrets": [{"secret": "...", "expiresAt": "RFC 3339"}, ...]. Details name the
// rule, never the value.
std::optional<Invalid> read_previous_secrets(const json::object& root, SubscriptionFields& s) {
  const json::value* v = member(root, "previousSecrets");
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) return invalid(InvalidReason::invalid_field, "previousSecrets is not an array");
  const json::array& entries = v->get_array();
  if (entries.size() > kMaxPreviousSecrets) {
    return invalid(InvalidReason::invalid_field,
                   "previousSecrets has more than " + std::to_string(kMaxPreviousSecrets) + " entries");
  }
  for (const json::value& entry : entries) {
    if (!entry.is_object()) return invalid(InvalidReason::invalid_field, "previousSecrets has a non-object entry");
    const json::object& object = entry.get_object();
    const json::value* secret = member(object, "secret");
    if (secret == nullptr || !secret->is_string() || secret->get_string().empty()) {
      return invalid(InvalidReason::invalid_field, "previousSecrets entry has no non-empty string secret");
    }
    const json::value* expires = member(object, "expiresAt");
    std::optional<std::int64_t> expires_ms;
    if (expires != nullptr && expires->is_string()) {
      expires_ms = events::parse_rfc3339_unix_ms(view(expires->get_string()));
    }
    if (!expires_ms) {
      return invalid(InvalidReason::invalid_field, "previousSecrets entry has no RFC 3339 expiresAt");
    }
    s.previous_keys.push_back({signing::make_signing_key(view(secret->get_string())), *expires_ms});
  }
  return std::nullopt;
}

// "signingKey": "whsk_<base64 ed25519 key>". An empty string means none, as for "secret".
std::optional<Invalid> read_signing_key(const json::object& root, SubscriptionFields& s) {
  const json::value* v = member(root, "signingKey");
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) return invalid(InvalidReason::invalid_field, "signingKey is not a string");
  if (v->get_string().empty()) return std::nullopt;
  s.ed25519_key = signing::Ed25519Key::from_whsk(view(v->get_string()));
  if (!s.ed25519_key) {
    return invalid(InvalidReason::invalid_field,
                   "signingKey is not whsk_ and the base64 of a 32- or 64-byte ed25519 key");
  }
  return std::nullopt;
}

// Far above what any endpoint would ask for, and low enough that 1/N stays a usable interval.
constexpr double kMaxPerSecond = 100'000;

// "rateLimit": {"perSecond": N}, N a number in (0, kMaxPerSecond]; null means none. Other
// members are ignored, so a future option does not refuse the webhook.
std::optional<Invalid> read_rate_limit(const json::object& root, SubscriptionFields& s) {
  const json::value* v = member(root, "rateLimit");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_object()) return invalid(InvalidReason::invalid_field, "rateLimit is not an object");
  const json::value* per_second = member(v->get_object(), "perSecond");
  if (per_second == nullptr || !per_second->is_number()) {
    return invalid(InvalidReason::invalid_field, "rateLimit.perSecond is not a number");
  }
  const double n = per_second->to_number<double>();
  if (!(n > 0 && n <= kMaxPerSecond)) {
    return invalid(InvalidReason::invalid_field, "rateLimit.perSecond is not in (0, 100000]");
  }
  s.rate_limit_per_second = n;
  return std::nullopt;
}

std::optional<Invalid> read_metadata(const json::object& root, SubscriptionFields& s) {
  const json::value* metadata = member(root, "metadata");
  if (metadata == nullptr) return std::nullopt;
  if (!metadata->is_object()) return invalid(InvalidReason::invalid_field, "metadata is not an object");
  const json::object& m = metadata->get_object();
  if (auto bad = read_string_list(m, "events", is_event_type, s.events)) return bad;
  return read_string_list(
      m, "projectIds", [](std::string_view id) { return !id.empty(); }, s.project_ids);
}

// Fills every field but webhook_json from the already validated document.
std::optional<Invalid> read_fields(std::string_view record_key, const json::object& root,
                                   SubscriptionFields& s) {
  if (auto bad = read_required_string(root, "id", s.id)) return bad;
  if (!is_webhook_id(s.id)) {
    return invalid(InvalidReason::invalid_field, "id is not 1 to 128 characters of A-Z a-z 0-9 . _ : -");
  }
  if (s.id != record_key) return invalid(InvalidReason::key_mismatch, "id differs from the record key");

  const json::value* url = member(root, "url");
  if (url == nullptr) return invalid(InvalidReason::missing_field, "url is missing");
  if (!url->is_string()) return invalid(InvalidReason::invalid_field, "url is not a string");

  if (auto bad = read_required_string(root, "companyId", s.company_id)) return bad;

  if (const json::value* secret = member(root, "secret")) {
    if (!secret->is_string()) return invalid(InvalidReason::invalid_field, "secret is not a string");
    s.secret = view(secret->get_string());
  }
  if (auto bad = read_previous_secrets(root, s)) return bad;
  if (auto bad = read_signing_key(root, s)) return bad;
  if (auto bad = read_rate_limit(root, s)) return bad;
  if (const json::value* enabled = member(root, "enabled")) {
    if (!enabled->is_bool()) return invalid(InvalidReason::invalid_field, "enabled is not a boolean");
    s.enabled = enabled->get_bool();
  }
  if (const json::value* status = member(root, "status"); status != nullptr && !status->is_string()) {
    return invalid(InvalidReason::invalid_field, "status is not a string");
  }
  if (auto bad = read_metadata(root, s)) return bad;

  if (const json::value* filter = member(root, "filter")) {
    if (!filter->is_object()) return invalid(InvalidReason::invalid_field, "filter is not an object");
    if (!filter->get_object().empty()) {
      // Compiled from compact text: the 16 KiB limit counts the filter, not its whitespace.
      FilterResult compiled = compile_filter(json::serialize(*filter));
      if (auto* error = std::get_if<FilterError>(&compiled)) {
        return invalid(error->kind == FilterError::Kind::too_large ? InvalidReason::filter_too_large
                                                                   : InvalidReason::invalid_filter,
                       "filter: " + error->detail);
      }
      s.filter = std::get<std::shared_ptr<const Filter>>(std::move(compiled));
    }
  }
  // Last, so that a record with several problems reports its shape before its URL.
  return read_url(view(url->get_string()), s);
}

}  // namespace

ParseResult parse_subscription(std::string_view record_key, std::string_view value) {
  detail::ScanResult scan = detail::scan_json(value);
  switch (scan.status) {
    case detail::ScanStatus::ok: break;
    case detail::ScanStatus::not_json: return invalid(InvalidReason::not_json, "value is not valid JSON");
    case detail::ScanStatus::duplicate_key:
      // Keys are not secret, but cap what one record can put in a log line.
      return invalid(InvalidReason::duplicate_key,
                     "duplicate key \"" + clipped(scan.duplicate_key, 64) + "\"");
  }

  json::parse_options options;
  options.max_depth = detail::kMaxDepth;
  json::error_code ec;
  // The document lives only for this call: its nodes come from a stack buffer (then the heap
  // for a large record), not one allocation each.
  unsigned char buffer[16384];
  json::monotonic_resource resource(buffer, sizeof buffer);
  const json::value document = json::parse(json::string_view(value.data(), value.size()), ec,
                                           json::storage_ptr(&resource), options);
  if (ec) return invalid(InvalidReason::not_json, "value is not valid JSON");  // scan let it pass
  if (!document.is_object()) return invalid(InvalidReason::not_object, "value is not a JSON object");

  SubscriptionFields fields;
  if (auto bad = read_fields(record_key, document.get_object(), fields)) return std::move(*bad);
  fields.webhook_json = std::move(scan.compact_without_secret);
  return Subscription::make(std::move(fields));
}

}  // namespace hookd::subscriptions
