// A webhook subscription as hookd uses it, and the fixed words that say why a record was
// refused. Parsing lives in subscriptions/parse.h; matching in subscriptions/snapshot.h.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signing/ed25519.h"
#include "signing/signature.h"
#include "signing/signature_headers.h"
#include "subscriptions/filter.h"

namespace hookd::subscriptions {

// What parse_subscription reads from one record, as plain owning fields. Subscription::make
// packs it into the compact form every snapshot and delivery shares. Every member has a
// default so that a designated initializer may name only the ones it sets.
struct SubscriptionFields {
  std::string id = {};
  std::string company_id = {};  // the tenant; an event of another company never matches
  std::string url = {};         // absolute http(s) URL, as received
  std::string secret = {};      // empty = deliveries are unsigned; never logged
  // "previousSecrets": secrets being rotated out, each with its expiry, in the order given.
  // Signed with beside the current secret until they expire; never logged.
  std::vector<signing::PreviousKey> previous_keys = {};
  // "signingKey": the Standard Webhooks ed25519 key (whsk_); unset = no v1a signature.
  std::optional<signing::Ed25519Key> ed25519_key = {};
  bool enabled = true;
  // "rateLimit": {"perSecond": N}: at most N requests per second from this worker; 0 = none.
  double rate_limit_per_second = 0;
  std::vector<std::string> events = {};       // sorted, unique; empty = every event type
  std::vector<std::string> project_ids = {};  // sorted, unique; empty = every project (and none)
  // The compiled record filter; null when the record has none (absent, null or {}).
  std::shared_ptr<const Filter> filter = {};
  // The subscription object as received minus its secret members ("secret",
  // "previousSecrets", "signingKey"), compact JSON: what the delivery body carries as
  // "webhook". Member order, strings and number spellings are kept; only insignificant
  // whitespace and string escapes are normalised.
  std::string webhook_json = {};
  // The URL split for the HTTP client. host is lower case, without IPv6 brackets; target is
  // path and query ("/" when the path is empty), never logged because it can carry tokens.
  bool https = true;
  std::string host = {};
  std::uint16_t port = 0;
  std::string target = {};
};

// A webhook subscription as the delivery path uses it: immutable, shared between snapshots
// (an unchanged record keeps its object across rebuilds) and with in-flight deliveries, which
// take `shared_from_this()` so a delivery outlives the snapshot it was matched in. The
// accessors mean what the SubscriptionFields members of the same names mean.
//
// Compact because a worker holds every subscription of the fleet: about 920 bytes of hookd's
// RSS each at a million Blue-shaped records (a 410-byte webhook JSON), against 1.8 KB when
// every field was a string of its own (docs/benchmarks.md, subscription scale, has the
// breakdown). Besides this object (with its shared_ptr control block, one allocation) a
// subscription owns one block: the event-type and project lists as offsets,
// then the webhook JSON, then each other text value the JSON does not already spell byte for
// byte (the secret). The id, company, URL, host, target, event types and project ids usually
// cost no bytes of their own; the secret's signing key and the origin are derived when asked
// for. Previous secrets and the ed25519 key, which few webhooks have, live in an allocation of
// their own.
class Subscription : public std::enable_shared_from_this<Subscription> {
  struct Private {};
  // A run of the block: every text field is one.
  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };

 public:
  // A sorted, unique list of text values (event types, project ids) read in place: a
  // random-access range of std::string_view, valid while its subscription lives.
  class TextList {
   public:
    class iterator {
     public:
      using iterator_concept = std::random_access_iterator_tag;
      using iterator_category = std::input_iterator_tag;  // yields values, not references
      using value_type = std::string_view;
      using difference_type = std::ptrdiff_t;
      using reference = std::string_view;

      iterator() = default;
      std::string_view operator*() const { return {block_ + span_->offset, span_->size}; }
      std::string_view operator[](difference_type n) const { return *(*this + n); }
      iterator& operator++() { ++span_; return *this; }
      iterator operator++(int) { iterator old = *this; ++span_; return old; }
      iterator& operator--() { --span_; return *this; }
      iterator operator--(int) { iterator old = *this; --span_; return old; }
      iterator& operator+=(difference_type n) { span_ += n; return *this; }
      iterator& operator-=(difference_type n) { span_ -= n; return *this; }
      friend iterator operator+(iterator it, difference_type n) { return it += n; }
      friend iterator operator+(difference_type n, iterator it) { return it += n; }
      friend iterator operator-(iterator it, difference_type n) { return it -= n; }
      friend difference_type operator-(iterator a, iterator b) { return a.span_ - b.span_; }
      friend bool operator==(iterator a, iterator b) { return a.span_ == b.span_; }
      friend auto operator<=>(iterator a, iterator b) { return a.span_ <=> b.span_; }

     private:
      friend class TextList;
      iterator(const char* block, const Span* span) : block_(block), span_(span) {}
      const char* block_ = nullptr;
      const Span* span_ = nullptr;
    };
    using const_iterator = iterator;
    using value_type = std::string_view;
    using size_type = std::size_t;

    iterator begin() const { return {block_, first_}; }
    iterator end() const { return {block_, first_ + size_}; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::string_view operator[](std::size_t i) const { return begin()[static_cast<std::ptrdiff_t>(i)]; }
    std::string_view front() const { return *begin(); }
    // A binary search: the list is sorted.
    bool contains(std::string_view value) const { return std::ranges::binary_search(begin(), end(), value); }

   private:
    friend class Subscription;
    TextList(const char* block, const Span* first, std::size_t size) : block_(block), first_(first), size_(size) {}
    const char* block_;
    const Span* first_;
    std::size_t size_;
  };

  static std::shared_ptr<const Subscription> make(SubscriptionFields fields);
  Subscription(Private, SubscriptionFields&& fields);  // for make() only

  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  std::string_view id() const { return text(id_); }
  std::string_view company_id() const { return text(company_id_); }
  std::string_view url() const { return text(url_); }
  std::string_view webhook_json() const { return {chars() + lists_bytes(), webhook_json_size_}; }
  // "scheme://host:port" (default port spelled): safe to log, and the key of the client's
  // per-origin pools and caps. Built on each call, for logs and tools: the delivery path
  // compares with same_origin().
  std::string origin() const;
  bool same_origin(const Subscription& other) const {
    return https_ == other.https_ && port_ == other.port_ && host() == other.host();
  }
  bool https() const { return https_; }
  std::string_view host() const { return text(host_); }
  std::uint16_t port() const { return port_; }
  std::string_view target() const { return text(target_); }

  // The current secret; its Standard Webhooks key is derived while signing. Never logged.
  signing::SigningKeyView signing_key() const { return {text(secret_), std::nullopt}; }
  std::span<const signing::PreviousKey> previous_keys() const;
  const std::optional<signing::Ed25519Key>& ed25519_key() const;

  bool enabled() const { return enabled_; }
  double rate_limit_per_second() const { return rate_limit_per_second_; }
  TextList events() const { return {chars(), lists(), event_count_}; }
  TextList project_ids() const { return {chars(), lists() + event_count_, project_count_}; }
  const Filter* filter() const { return filter_.get(); }

  // The bytes of the block of text this subscription owns beside its object: what memory
  // accounting and the tests of the compact form read.
  std::size_t block_bytes() const { return block_bytes_; }

 private:
  struct Rare {
    std::vector<signing::PreviousKey> previous_keys;
    std::optional<signing::Ed25519Key> ed25519_key;
  };

  const char* chars() const { return reinterpret_cast<const char*>(block_.get()); }
  // Spans exist at the block's start only when there are lists: nothing to launder otherwise.
  const Span* lists() const {
    return lists_bytes() == 0 ? nullptr : std::launder(reinterpret_cast<const Span*>(block_.get()));
  }
  std::size_t lists_bytes() const { return (std::size_t{event_count_} + project_count_) * sizeof(Span); }
  std::string_view text(Span span) const { return {chars() + span.offset, span.size}; }

  // The lists' Spans, then the webhook JSON, then the other text (see above).
  std::unique_ptr<unsigned char[]> block_;
  std::unique_ptr<const Rare> rare_;  // null when there are neither previous secrets nor an ed25519 key
  std::shared_ptr<const Filter> filter_;
  double rate_limit_per_second_ = 0;
  Span id_, company_id_, url_, secret_, host_, target_;
  std::uint32_t webhook_json_size_ = 0;
  std::uint32_t block_bytes_ = 0;
  std::uint32_t event_count_ = 0;
  std::uint32_t project_count_ = 0;
  std::uint16_t port_ = 0;
  bool enabled_ = true;
  bool https_ = true;
};

// Why a subscription record was refused: the label values of
// hookd_subscriptions_invalid_total{reason}. Keep in step with kInvalidReasons.
enum class InvalidReason : std::uint8_t {
  not_json,            // not valid JSON (syntax, invalid UTF-8, trailing bytes, too deep)
  not_object,          // valid JSON, but the root is not an object
  duplicate_key,       // an object (at any depth) repeats a key
  missing_field,       // id, url or companyId is absent
  invalid_field,       // a known field has the wrong type or shape
  key_mismatch,        // "id" differs from the Kafka record key
  invalid_url,         // not an absolute http(s) URL with a host, or carries user info
  invalid_filter,      // the filter breaks its grammar (docs/filters.md) or has a bad regex
  filter_too_large,    // the filter is over a limit: depth, clauses, bytes, regex size
};

inline constexpr std::array<InvalidReason, 9> kInvalidReasons = {
    InvalidReason::not_json,      InvalidReason::not_object,     InvalidReason::duplicate_key,
    InvalidReason::missing_field, InvalidReason::invalid_field,  InvalidReason::key_mismatch,
    InvalidReason::invalid_url,   InvalidReason::invalid_filter, InvalidReason::filter_too_large,
};

constexpr std::string_view to_string(InvalidReason reason) {
  switch (reason) {  // no default: a new reason without a word is a compile warning
    case InvalidReason::not_json: return "not_json";
    case InvalidReason::not_object: return "not_object";
    case InvalidReason::duplicate_key: return "duplicate_key";
    case InvalidReason::missing_field: return "missing_field";
    case InvalidReason::invalid_field: return "invalid_field";
    case InvalidReason::key_mismatch: return "key_mismatch";
    case InvalidReason::invalid_url: return "invalid_url";
    case InvalidReason::invalid_filter: return "invalid_filter";
    case InvalidReason::filter_too_large: return "filter_too_large";
  }
  return "unknown";
}

// detail is for logs: it names the field and the rule, never a secret or a URL.
struct Invalid {
  InvalidReason reason;
  std::string detail;
};

}  // namespace hookd::subscriptions
