// Asynchronous host name resolution for the delivery client.
//
// Why c-ares and not getaddrinfo: getaddrinfo blocks, so it either stalls an io_context
// thread or needs a thread per lookup in flight; one slow DNS server would then hold back
// deliveries to every other endpoint. c-ares keeps any number of lookups in flight on one
// channel, and its sockets are watched by the io_context like any other socket
// (ares_sock_state_cb tells us which ones, a steady_timer drives ares' retransmissions).
// c-ares reads /etc/hosts first, then DNS, like the "files dns" of nsswitch.conf.
//
// Behaviour:
// - Literal IP addresses ("192.0.2.1", "2001:db8::1", "[2001:db8::1]") answer without DNS.
// - Names are case-insensitive and a trailing dot is ignored. Names under the special-use
//   ".invalid" domain (RFC 6761) fail with host_not_found without a query.
// - Concurrent lookups of one name share one query; their callbacks share its deadline.
// - Answers are cached for Options::cache_ttl (not the record's TTL: webhook endpoints are
//   few and stable, and a short fixed TTL bounds how stale an address can be); failures,
//   timeouts included, for Options::negative_cache_ttl so a broken name costs one query per
//   period instead of one per delivery.
// - Errors: boost::asio::error::host_not_found (no such name or no address),
//   host_not_found_try_again (server failure or refusal), no_recovery (anything else the
//   resolver could not do), timed_out (no answer before Options::timeout), and
//   operation_aborted when the Resolver is destroyed first. is_dns_error() tells the first
//   three from the rest.
//
// Thread-safety: resolve() may be called from any thread; the c-ares channel is only
// touched on an internal strand. Callbacks run on the io_context, never inside resolve().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

namespace hookd::delivery {

class Resolver {
 public:
  struct Options {
    std::chrono::milliseconds timeout{3000};
    std::chrono::seconds cache_ttl{30};
    std::chrono::milliseconds negative_cache_ttl{2000};
    // Beyond this many cached names, expired entries are dropped, and if none have expired
    // the whole cache is: a tenant creating many distinct host names must not grow memory.
    std::size_t max_cache_entries{10000};
    // DNS servers as "host[:port],..." (c-ares' servers CSV); empty = /etc/resolv.conf.
    std::string servers;
  };

  using Callback =
      std::function<void(boost::system::error_code, std::vector<boost::asio::ip::address>)>;

  Resolver(boost::asio::io_context& io, Options options);
  // Pending lookups complete with operation_aborted if the io_context still runs; the
  // internal state lives on until the io_context has released its last handler.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // `cb` runs on the io_context with either a non-empty list of addresses (the order c-ares
  // sorted them in, RFC 6724) or an error.
  void resolve(std::string_view host, Callback cb);

  // How many lookups reached c-ares (cache hits and literals are not counted).
  std::uint64_t queries_started() const;
  std::uint64_t cache_hits() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// True for the error codes that mean "the name did not resolve" (the DNS answered no, or
// could not answer), false for timed_out, operation_aborted and success.
bool is_dns_error(const boost::system::error_code& ec);

}  // namespace hookd::delivery
