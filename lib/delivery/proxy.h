// The egress proxy (delivery.proxy): how hookd reaches endpoints when operators route all
// webhook traffic through one HTTP proxy.
//
// - Every target, https or http: the client opens a TCP connection to the proxy and asks it
//   for a tunnel with `CONNECT <checked IP>:<port>`. For https, TLS to the target then runs
//   inside the tunnel, with SNI and certificate verification for the target's host name,
//   exactly as on a direct connection; for http the request goes through the tunnel in
//   origin form with `Host: <name>`. The proxy sees the IP literal, never the name, so it
//   cannot be steered to another address by its own DNS: the network guard's verdict holds
//   for plain http too. (Forwarding http in absolute form would let the proxy resolve the
//   name itself, and a name that resolved to a public address for hookd and to a private one
//   for the proxy would reach it.) A proxy must therefore allow CONNECT to every port
//   webhooks use, 80 included; one that refuses answers CONNECT with an error status, which
//   is a connect_error naming it.
// - The proxy's own address is not checked by the guard: the operator configured it, and it
//   is typically on a private network.
//
// Only `http://host:port` proxies: no TLS to the proxy, no credentials in the URL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "common/host_port.h"
#include "delivery/connection.h"

namespace hookd::delivery {

// Parsed by common::parse_http_proxy, which the config loader also uses to refuse a bad
// delivery.proxy at load time.
struct ProxyAddress : common::ProxyAddress {};

// Parses ClientOptions::proxy. Empty text means "no proxy" (nullopt). Anything else that is
// not `http://host:port` (an optional trailing "/" aside) throws std::invalid_argument whose
// text names the problem; the text never repeats the value, which could hold a password.
std::optional<ProxyAddress> parse_proxy_option(std::string_view text);

// "CONNECT" authority for a checked address: "192.0.2.1:443" or "[2001:db8::1]:443".
std::string connect_authority(const boost::asio::ip::tcp::endpoint& target);

// What asking the proxy for one tunnel produced.
struct TunnelResult {
  PhaseResult phase;
  // The proxy could not reach this address (502, 503, 504): another checked address of the
  // same target may still work.
  bool try_next_address = false;
};

// On `proxy`, already connected to the proxy: sends `CONNECT <target>` and reads the answer,
// within whatever expiry the stream carries. On a 2xx the stream is a tunnel to `target`.
// Any other answer is a connect_error naming the proxy's status; bytes the proxy sends
// after its 2xx answer, before we spoke, are a connect_error too (nothing sane does that).
boost::asio::awaitable<TunnelResult> open_tunnel(boost::beast::tcp_stream& proxy,
                                                 const boost::asio::ip::tcp::endpoint& target,
                                                 const ProxyAddress& proxy_address);

}  // namespace hookd::delivery
