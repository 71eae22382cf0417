// A webhook URL split into what the client needs: where to connect and what to ask for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::delivery {

struct TargetUrl {
  bool tls = true;         // https
  std::string host;        // name or IP literal, without IPv6 brackets, lower case
  std::uint16_t port = 0;  // explicit or the scheme's default
  std::string target;      // origin-form request target: path (or "/") plus "?query"
  // "scheme://host:port": the pool key, and the only part of a URL that logs and errors may
  // show (paths and queries can carry tokens).
  std::string origin;
};

// Parses an absolute http(s) URL. Returns nullopt for anything else: other schemes, user
// info, a missing host, a bad port, a path that is neither empty nor '/'-rooted. One
// trailing dot of a host name is dropped ("example.com." is "example.com"). Never throws.
std::optional<TargetUrl> parse_target_url(std::string_view url);

// A host name we are willing to hand to the resolver: letters, digits, '-', '_', '.'.
// Anything else (after percent-decoding) cannot be a DNS name and would only confuse logs.
bool plausible_host_name(std::string_view name);

}  // namespace hookd::delivery
