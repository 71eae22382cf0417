#include "fleet/timeline.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "common/arrivals.h"

namespace hookd::bench {
namespace {

constexpr std::int64_t kMaxWebhooks = 64;

std::int64_t pair_key(long event, int webhook) { return static_cast<std::int64_t>(event) * kMaxWebhooks + webhook; }

}  // namespace

Timeline::Timeline(std::string event_prefix, std::size_t expected_deliveries)
    : event_key_("\"eventId\":\"" + std::move(event_prefix)),
      warmup_key_("\"eventId\":\"" + std::string(kWarmupPrefix)) {
  arrivals_.reserve(expected_deliveries);
  seen_.reserve(expected_deliveries);
  pairs_.reserve(expected_deliveries);
}

void Timeline::record(int webhook, const test_support::ReceivedRequest& request) {
  // The body starts {"event":...,"eventId":...}: no full parse needed.
  const std::string_view head = std::string_view(request.body).substr(0, 200);
  const std::string id = request.header("webhook-id");
  std::lock_guard lock(mutex_);
  if (head.find(warmup_key_) != std::string_view::npos) {
    ++warmup_;
    return;
  }
  const auto at = head.find(event_key_);
  long event = -1;
  if (at != std::string_view::npos) {
    const char* first = head.data() + at + event_key_.size();
    if (std::from_chars(first, head.data() + head.size(), event).ec != std::errc()) event = -1;
  }
  if (event < 0 || id.empty() || webhook < 0 || webhook >= kMaxWebhooks) {
    ++unreadable_;
    return;
  }
  const bool duplicate = !seen_.insert(id).second;
  arrivals_.push_back({request.arrived, event, webhook, duplicate});
  if (!duplicate) {
    pairs_.insert(pair_key(event, webhook));
    ++distinct_;
  }
}

std::size_t Timeline::distinct() const {
  std::lock_guard lock(mutex_);
  return distinct_;
}

std::size_t Timeline::warmup() const {
  std::lock_guard lock(mutex_);
  return warmup_;
}

std::size_t Timeline::unreadable() const {
  std::lock_guard lock(mutex_);
  return unreadable_;
}

PhaseFigures Timeline::figures(std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point end,
                               const std::function<int(long)>& partition_of) const {
  std::vector<Arrival> sorted;
  {
    std::lock_guard lock(mutex_);
    sorted = arrivals_;
  }
  // Receiver threads append in nearly, not exactly, arrival order.
  std::stable_sort(sorted.begin(), sorted.end(), [](const Arrival& a, const Arrival& b) { return a.at < b.at; });

  PhaseFigures f;
  f.seconds = std::chrono::duration<double>(end - start).count();
  const auto inside = [&](std::chrono::steady_clock::time_point t) { return t >= start && t < end; };
  const auto consider = [&](Gap& longest, std::chrono::steady_clock::time_point from,
                            std::chrono::steady_clock::time_point to, int partition) {
    if (inside(from) && to - from > longest.length) longest = {to - from, from, partition};
  };
  std::vector<std::chrono::steady_clock::time_point> last_of_partition;
  std::chrono::steady_clock::time_point last{};
  bool any = false;
  for (const auto& a : sorted) {
    if (inside(a.at)) ++(a.duplicate ? f.duplicates : f.deliveries);
    if (a.duplicate) continue;
    if (any) consider(f.longest, last, a.at, -1);
    last = a.at;
    any = true;
    const int p = partition_of(a.event);
    if (p < 0) continue;
    if (static_cast<std::size_t>(p) >= last_of_partition.size()) last_of_partition.resize(p + 1);
    auto& previous = last_of_partition[p];
    if (previous != std::chrono::steady_clock::time_point{}) consider(f.longest_partition, previous, a.at, p);
    previous = a.at;
  }
  return f;
}

std::vector<std::pair<long, int>> Timeline::missing(long events, int webhooks) const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<long, int>> out;
  for (long e = 0; e < events; ++e)
    for (int w = 0; w < webhooks; ++w)
      if (!pairs_.contains(pair_key(e, w))) out.emplace_back(e, w);
  return out;
}

}  // namespace hookd::bench
