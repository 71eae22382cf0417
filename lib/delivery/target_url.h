// A webhook URL split into what the client needs: where to connect and what to ask for.
#pragma once

#include "common/host_port.h"

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
// info, a missing host, a bad port, a path that is neither empty nor '/'-rooted ("host:",
// an empty port, is the scheme's default). One
// trailing dot of a host name is dropped ("example.com." is "example.com"). Never throws.
std::optional<TargetUrl> parse_target_url(std::string_view url);

// A host name we are willing to hand to the resolver (common/host_port.h).
using common::plausible_host_name;

}  // namespace hookd::delivery
