#include "subscriptions/subscription.h"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#include "common/host_port.h"

namespace hookd::subscriptions {
namespace {

static_assert(std::random_access_iterator<Subscription::TextList::iterator>);

const std::optional<signing::Ed25519Key> kNoEd25519Key;

}  // namespace

std::shared_ptr<const Subscription> Subscription::make(SubscriptionFields fields) {
  return std::make_shared<const Subscription>(Private{}, std::move(fields));
}

Subscription::Subscription(Private, SubscriptionFields&& fields)
    : filter_(std::move(fields.filter)),
      rate_limit_per_second_(fields.rate_limit_per_second),
      event_count_(static_cast<std::uint32_t>(fields.events.size())),
      project_count_(static_cast<std::uint32_t>(fields.project_ids.size())),
      port_(fields.port),
      enabled_(fields.enabled),
      https_(fields.https) {
  if (!fields.previous_keys.empty() || fields.ed25519_key) {
    rare_ = std::make_unique<const Rare>(Rare{std::move(fields.previous_keys), std::move(fields.ed25519_key)});
  }

  // The text of the block: the webhook JSON, then each other value it does not already
  // contain byte for byte (the secret, which the JSON never carries). A field is only ever
  // read as its bytes, so any equal run will do. Offsets count from the start of the block,
  // after the lists' Spans.
  const std::size_t lists_at = lists_bytes();
  std::string text = std::move(fields.webhook_json);
  // A Kafka record never comes near this; offsets and sizes are 32-bit.
  constexpr std::size_t kMaxBytes = std::numeric_limits<std::uint32_t>::max() / 4;
  if (text.size() + lists_at > kMaxBytes) throw std::length_error("subscription over 1 GiB");
  webhook_json_size_ = static_cast<std::uint32_t>(text.size());
  const auto place = [&text, lists_at](std::string_view value) {
    if (value.empty()) return Span{};
    std::size_t at = text.find(value);
    if (at == std::string::npos) {
      at = text.size();
      text.append(value);
    }
    if (text.size() + lists_at > kMaxBytes) throw std::length_error("subscription over 1 GiB");
    return Span{static_cast<std::uint32_t>(lists_at + at), static_cast<std::uint32_t>(value.size())};
  };
  id_ = place(fields.id);
  company_id_ = place(fields.company_id);
  url_ = place(fields.url);
  host_ = place(fields.host);
  target_ = place(fields.target);
  secret_ = place(fields.secret);
  std::vector<Span> lists;
  lists.reserve(event_count_ + project_count_);
  for (const std::string& event : fields.events) lists.push_back(place(event));
  for (const std::string& project : fields.project_ids) lists.push_back(place(project));

  // Exactly as long as it needs to be: spare capacity would be paid for by every
  // subscription of the fleet. An array of unsigned char gives the Spans copied into it
  // their lifetime (read back through lists()).
  block_bytes_ = static_cast<std::uint32_t>(lists_at + text.size());
  block_ = std::make_unique_for_overwrite<unsigned char[]>(block_bytes_);
  if (lists_at > 0) std::memcpy(block_.get(), lists.data(), lists_at);
  std::memcpy(block_.get() + lists_at, text.data(), text.size());
}

std::string Subscription::origin() const { return common::origin_text(https_, host(), port_); }

std::span<const signing::PreviousKey> Subscription::previous_keys() const {
  if (rare_ == nullptr) return {};
  return rare_->previous_keys;
}

const std::optional<signing::Ed25519Key>& Subscription::ed25519_key() const {
  return rare_ == nullptr ? kNoEd25519Key : rare_->ed25519_key;
}

}  // namespace hookd::subscriptions
