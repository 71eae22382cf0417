#include "delivery/resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "common/log.h"

namespace hookd::delivery {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Addresses = std::vector<asio::ip::address>;

namespace {

std::once_flag ares_library_once;

error_code error_from_ares(int status) {
  switch (status) {
    case ARES_SUCCESS:
      return {};
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
    case ARES_ENONAME:
    case ARES_EBADNAME:
      return asio::error::host_not_found;
    case ARES_ESERVFAIL:
    case ARES_EREFUSED:
    case ARES_ECONNREFUSED:
      return asio::error::host_not_found_try_again;
    case ARES_ETIMEOUT:
      return asio::error::timed_out;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      return asio::error::operation_aborted;
    default:
      return asio::error::no_recovery;
  }
}

Addresses addresses_from(const ares_addrinfo* result) {
  Addresses out;
  for (const ares_addrinfo_node* node = result ? result->nodes : nullptr; node; node = node->ai_next) {
    asio::ip::address address;
    if (node->ai_family == AF_INET && node->ai_addrlen >= sizeof(sockaddr_in)) {
      sockaddr_in in4;
      std::memcpy(&in4, node->ai_addr, sizeof in4);
      address = asio::ip::address_v4(ntohl(in4.sin_addr.s_addr));
    } else if (node->ai_family == AF_INET6 && node->ai_addrlen >= sizeof(sockaddr_in6)) {
      sockaddr_in6 in6;
      std::memcpy(&in6, node->ai_addr, sizeof in6);
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), in6.sin6_addr.s6_addr, bytes.size());
      address = asio::ip::address_v6(bytes, in6.sin6_scope_id);
    } else {
      continue;
    }
    // c-ares lists an address once per socket type; callers want each address once.
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(address);
  }
  return out;
}

bool is_host_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

// Lower-cases and drops one trailing dot; empty when the text cannot be a DNS name, so
// untrusted input with spaces, NULs or URL syntax never reaches c-ares.
std::string normalized_host_name(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > 253) return {};
  std::string name(host);
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!is_host_name_char(c)) return {};
  }
  return name;
}

// RFC 6761: "invalid" and its subdomains never resolve, so no resolver needs to be asked.
bool is_special_use_invalid(std::string_view name) {
  constexpr std::string_view kInvalid = "invalid";
  if (name == kInvalid) return true;
  return name.size() > kInvalid.size() && name.ends_with(kInvalid) &&
         name[name.size() - kInvalid.size() - 1] == '.';
}

}  // namespace

class Resolver::Impl : public std::enable_shared_from_this<Resolver::Impl> {
 public:
  Impl(asio::io_context& io, Options options)
      : io_(io), strand_(asio::make_strand(io)), options_(options), ares_timer_(strand_) {
    std::call_once(ares_library_once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    ares_options opts{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
    opts.sock_state_cb = &Impl::on_socket_state;
    opts.sock_state_cb_data = this;
    // Our own deadline (options.timeout) is what callers see; these only keep c-ares from
    // retrying long after that deadline: with one server, T/4 then T/2 per query.
    opts.timeout = static_cast<int>(std::max<std::int64_t>(100, options_.timeout.count() / 4));
    opts.tries = 2;
    static char lookups[] = "fb";  // /etc/hosts first, then DNS
    opts.lookups = lookups;
    const int status = ares_init_options(&channel_, &opts, mask);
    if (status != ARES_SUCCESS) {
      channel_ = nullptr;
      log::error("dns resolver could not start", {{"error", ares_strerror(status)}});
      return;
    }
    if (!options_.servers.empty()) {
      const int set = ares_set_servers_ports_csv(channel_, options_.servers.c_str());
      if (set != ARES_SUCCESS) {
        log::error("dns servers rejected, using /etc/resolv.conf", {{"error", ares_strerror(set)}});
      }
    }
  }

  ~Impl() { teardown(); }

  // Runs on the strand.
  void lookup(const std::string& name, Callback cb) {
    if (!channel_) {
      const error_code ec = closed_ ? error_code(asio::error::operation_aborted) : error_code(asio::error::no_recovery);
      return complete(std::move(cb), ec, {});
    }
    const auto now = Clock::now();
    if (auto hit = cache_.find(name); hit != cache_.end()) {
      if (hit->second.expires > now) {
        cache_hits_.fetch_add(1, std::memory_order_relaxed);
        return complete(std::move(cb), hit->second.error, hit->second.addresses);
      }
      cache_.erase(hit);
    }
    if (auto in_flight = pending_.find(name); in_flight != pending_.end()) {
      in_flight->second->waiters.push_back(std::move(cb));
      return;
    }
    auto pending = std::make_shared<Pending>(strand_);
    pending->waiters.push_back(std::move(cb));
    pending_.emplace(name, pending);
    pending->deadline.expires_after(options_.timeout);
    pending->deadline.async_wait([self = shared_from_this(), name, pending](error_code ec) {
      if (!ec) self->on_deadline(name, pending);
    });
    queries_started_.fetch_add(1, std::memory_order_relaxed);
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    // The query context outlives a timed-out lookup: c-ares has no per-query cancel, so a
    // late answer still refreshes the cache. It is freed in on_ares_done, which c-ares
    // calls exactly once (at the latest from ares_destroy).
    auto* context = new QueryContext{this, name, pending};
    ares_getaddrinfo(channel_, name.c_str(), nullptr, &hints, &Impl::on_ares_done, context);
    rearm_ares_timer();
  }

  // Runs on the strand: fails what is pending and releases everything that keeps this
  // object alive from inside the io_context (socket waits, timers).
  void close() {
    closed_ = true;
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [name, entry] : pending) {
      entry->deadline.cancel();
      for (auto& cb : entry->waiters) complete(std::move(cb), asio::error::operation_aborted, {});
    }
    teardown();
  }

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> strand_;
  std::atomic<std::uint64_t> queries_started_{0};
  std::atomic<std::uint64_t> cache_hits_{0};

 private:
  struct Pending {
    explicit Pending(const asio::strand<asio::io_context::executor_type>& strand) : deadline(strand) {}
    std::vector<Callback> waiters;
    asio::steady_timer deadline;
  };

  struct QueryContext {
    Impl* impl;
    std::string name;
    std::shared_ptr<Pending> pending;
  };

  struct CacheEntry {
    error_code error;
    Addresses addresses;
    Clock::time_point expires;
  };

  // One socket c-ares asked us to watch. `generation` tells a wait on a closed socket from
  // one on a new socket that reused its descriptor number.
  struct Watch {
    Watch(const asio::strand<asio::io_context::executor_type>& strand, int fd, std::uint64_t gen)
        : descriptor(strand, fd), generation(gen) {}
    asio::posix::stream_descriptor descriptor;
    std::uint64_t generation;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;
    bool writing = false;
  };

  void complete(Callback cb, error_code ec, Addresses addresses) {
    asio::post(io_, [cb = std::move(cb), ec, addresses = std::move(addresses)]() mutable {
      cb(ec, std::move(addresses));
    });
  }

  void remember(const std::string& name, error_code ec, const Addresses& addresses) {
    const auto now = Clock::now();
    if (cache_.size() >= options_.max_cache_entries) {
      std::erase_if(cache_, [now](const auto& entry) { return entry.second.expires <= now; });
      if (cache_.size() >= options_.max_cache_entries) cache_.clear();
    }
    const auto ttl = ec ? Clock::duration(options_.negative_cache_ttl) : Clock::duration(options_.cache_ttl);
    cache_[name] = CacheEntry{ec, addresses, now + ttl};
  }

  void finish(const std::string& name, const std::shared_ptr<Pending>& pending, error_code ec,
              const Addresses& addresses) {
    auto it = pending_.find(name);
    if (it == pending_.end() || it->second != pending) return;  // already timed out
    pending_.erase(it);
    pending->deadline.cancel();
    for (auto& cb : pending->waiters) complete(std::move(cb), ec, addresses);
  }

  void on_deadline(const std::string& name, const std::shared_ptr<Pending>& pending) {
    auto it = pending_.find(name);
    if (it == pending_.end() || it->second != pending) return;
    remember(name, asio::error::timed_out, {});
    finish(name, pending, asio::error::timed_out, {});
  }

  static void on_ares_done(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
    std::unique_ptr<QueryContext> context(static_cast<QueryContext*>(arg));
    Addresses addresses = addresses_from(result);
    if (result) ares_freeaddrinfo(result);
    Impl& self = *context->impl;
    if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION || self.closed_) return;
    error_code ec = error_from_ares(status);
    if (!ec && addresses.empty()) ec = asio::error::host_not_found;
    self.remember(context->name, ec, addresses);
    self.finish(context->name, context->pending, ec, addresses);
  }

  // c-ares calls this, always from inside one of our ares_* calls on the strand, when it
  // opens, changes interest in, or is about to close a socket.
  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto& self = *static_cast<Impl*>(data);
    auto it = self.watches_.find(fd);
    if (!readable && !writable) {
      if (it != self.watches_.end()) {
        // c-ares closes the descriptor itself; release() keeps Asio from closing it twice
        // and completes the pending waits with operation_aborted.
        it->second->descriptor.release();
        self.watches_.erase(it);
      }
      return;
    }
    if (self.closed_) return;
    if (it == self.watches_.end()) {
      it = self.watches_.emplace(fd, std::make_unique<Watch>(self.strand_, fd, ++self.next_generation_)).first;
    }
    it->second->want_read = readable != 0;
    it->second->want_write = writable != 0;
    self.arm(fd, *it->second);
  }

  void arm(ares_socket_t fd, Watch& watch) {
    if (closed_) return;
    if (watch.want_read && !watch.reading) {
      watch.reading = true;
      watch.descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                                  [self = shared_from_this(), fd, gen = watch.generation](error_code ec) {
                                    self->on_ready(fd, gen, ec, true);
                                  });
    }
    if (watch.want_write && !watch.writing) {
      watch.writing = true;
      watch.descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                                  [self = shared_from_this(), fd, gen = watch.generation](error_code ec) {
                                    self->on_ready(fd, gen, ec, false);
                                  });
    }
  }

  void on_ready(ares_socket_t fd, std::uint64_t generation, error_code ec, bool read) {
    if (ec == asio::error::operation_aborted || !channel_) return;
    auto it = watches_.find(fd);
    if (it == watches_.end() || it->second->generation != generation) return;
    (read ? it->second->reading : it->second->writing) = false;
    ares_process_fd(channel_, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
    // A failed wait is not re-armed (it would fail again at once); c-ares' own timeout then
    // gives up on the socket.
    if (!ec) {
      it = watches_.find(fd);
      if (it != watches_.end() && it->second->generation == generation) arm(fd, *it->second);
    }
    rearm_ares_timer();
  }

  // c-ares retransmits and times out queries only when asked: wake it when it says.
  void rearm_ares_timer() {
    if (!channel_ || closed_) return;
    timeval tv{};
    if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
      ares_timer_.cancel();
      return;
    }
    ares_timer_.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
    ares_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || !self->channel_) return;
      ares_process_fd(self->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->rearm_ares_timer();
    });
  }

  void teardown() {
    closed_ = true;
    ares_timer_.cancel();
    if (!channel_) return;
    // ares_destroy reports each socket closed (on_socket_state releases its descriptor)
    // and each query done with ARES_EDESTRUCTION (on_ares_done frees its context).
    ares_channel channel = channel_;
    ares_destroy(channel);
    channel_ = nullptr;
    for (auto& [fd, watch] : watches_) watch->descriptor.release();
    watches_.clear();
  }

  Options options_;
  ares_channel channel_ = nullptr;
  bool closed_ = false;
  asio::steady_timer ares_timer_;
  std::unordered_map<ares_socket_t, std::unique_ptr<Watch>> watches_;
  std::uint64_t next_generation_ = 0;
  std::unordered_map<std::string, std::shared_ptr<Pending>> pending_;
  std::unordered_map<std::string, CacheEntry> cache_;
};

Resolver::Resolver(asio::io_context& io, Options options) : impl_(std::make_shared<Impl>(io, options)) {}

Resolver::~Resolver() {
  // If the io_context no longer runs, this handler is destroyed with it, and the last
  // reference to impl_ then tears c-ares down with no other thread around.
  asio::post(impl_->strand_, [impl = impl_] { impl->close(); });
}

void Resolver::resolve(std::string_view host, Callback cb) {
  auto fail = [&](error_code ec) {
    asio::post(impl_->io_, [cb = std::move(cb), ec] { cb(ec, {}); });
  };
  std::string_view literal = host;
  if (literal.size() >= 2 && literal.front() == '[' && literal.back() == ']') {
    literal = literal.substr(1, literal.size() - 2);
  }
  error_code parse_error;
  const auto address = asio::ip::make_address(std::string(literal), parse_error);
  if (!parse_error) {
    asio::post(impl_->io_, [cb = std::move(cb), address] { cb({}, Addresses{address}); });
    return;
  }
  std::string name = normalized_host_name(host);
  if (name.empty() || is_special_use_invalid(name)) return fail(asio::error::host_not_found);
  asio::post(impl_->strand_, [impl = impl_, name = std::move(name), cb = std::move(cb)]() mutable {
    impl->lookup(name, std::move(cb));
  });
}

std::uint64_t Resolver::queries_started() const {
  return impl_->queries_started_.load(std::memory_order_relaxed);
}

std::uint64_t Resolver::cache_hits() const { return impl_->cache_hits_.load(std::memory_order_relaxed); }

bool is_dns_error(const error_code& ec) {
  return ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again ||
         ec == asio::error::no_data || ec == asio::error::no_recovery;
}

}  // namespace hookd::delivery
