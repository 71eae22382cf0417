// Host-and-port text as operators write it in the configuration: the Kafka broker list, the
// admin listen address and the egress proxy URL. Pure parsing, so the config loader can refuse
// a bad value at load time (naming the key, docs/configuration.md) with the same rules the
// clients that use the value apply later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace hookd::common {

// A host name we are willing to hand to a resolver: letters, digits, '-', '_', '.'.
// Anything else (after percent-decoding) cannot be a DNS name and would only confuse logs.
bool plausible_host_name(std::string_view name);

// "scheme://host:port" as hookd names an origin in logs, errors and its per-origin pools:
// `host` as given (lower case is the caller's job), in brackets when it is an IPv6 literal
// (holds a ':'), and the port always spelled, default or not.
std::string origin_text(bool tls, std::string_view host, std::uint16_t port);

struct HostPort {
  std::string host;  // without the brackets of an IPv6 literal
  std::uint16_t port = 0;
};

// "host:port" or "[ipv6]:port"; the host is a plausible name, an IPv4 literal or a bracketed
// IPv6 literal. Port 1-65535, or 0-65535 with `allow_port_zero`. Otherwise the problem, as a
// phrase that never repeats the text ("no port", "an IPv6 address goes in brackets", ...).
std::variant<HostPort, std::string> parse_host_port(std::string_view text, bool allow_port_zero = false);

// librdkafka's bootstrap.servers as hookd accepts it: comma-separated host:port entries
// (parse_host_port), no scheme, no empty entry, blanks around entries ignored. nullopt when
// valid, otherwise the problem naming the entry by position ("entry 2: no port").
// librdkafka itself takes a missing port as 9092 and skips what it cannot parse, so a typo
// would only show as a client that never connects.
std::optional<std::string> broker_list_problem(std::string_view list);

// The egress proxy (delivery.proxy): `http://host:port` with an optional trailing "/".
struct ProxyAddress {
  std::string host;  // name (lower case) or IP literal, without IPv6 brackets
  std::uint16_t port = 0;
  std::string origin;  // "http://host:port": how errors name the proxy
};

// The address, or the problem (never repeating the text, which could hold a password):
// not a URL, a scheme other than http, credentials, no host, no port, a path, query or fragment.
std::variant<ProxyAddress, std::string> parse_http_proxy(std::string_view text);

}  // namespace hookd::common
