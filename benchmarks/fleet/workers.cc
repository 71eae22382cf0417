#include "fleet/workers.h"

#include <boost/json.hpp>

#include <sstream>
#include <thread>

namespace hookd::bench {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

Workers::Workers(const std::string& binary, int count, const std::string& id_prefix,
                 const std::function<std::string(const std::string& instance_id)>& config, bool keep_logs) {
  for (int i = 0; i < count; ++i) {
    ids_.push_back(id_prefix + std::to_string(i));
    workers_.push_back(std::make_unique<test_support::HookdProcess>(binary, config(ids_.back())));
    if (keep_logs) workers_.back()->keep_files();
  }
}

void Workers::start_all() {
  for (auto& w : workers_) w->start();
}

bool Workers::wait_all_ready(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (auto& w : workers_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms || !w->wait_ready(left)) return false;
  }
  return true;
}

int Workers::partitions_held(int i, const std::string& group) const {
  // hookd logs one JSON object per line; the last assignment or revoke of the group wins.
  std::istringstream in(workers_[i]->log());
  int held = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("kafka partitions") == std::string::npos) continue;
    boost::system::error_code ec;
    const auto value = boost::json::parse(line, ec);
    if (ec || !value.is_object()) continue;
    const auto& o = value.as_object();
    const auto* msg = o.if_contains("msg");
    const auto* g = o.if_contains("group");
    if (msg == nullptr || g == nullptr || !g->is_string() || g->as_string() != group) continue;
    if (*msg == "kafka partitions revoked") held = 0;
    const auto* count = o.if_contains("count");
    if (*msg == "kafka partitions assigned" && count != nullptr && count->is_int64())
      held = static_cast<int>(count->as_int64());
  }
  return held;
}

bool Workers::wait_balanced(const std::string& group, int partitions, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int total = 0;
    bool each = true;
    for (int i = 0; i < size(); ++i) {
      const int held = partitions_held(i, group);
      total += held;
      each = each && held > 0;
    }
    if (each && total == partitions) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

std::vector<int> Workers::stop_all(std::chrono::milliseconds timeout) {
  std::vector<int> codes;
  for (auto& w : workers_) codes.push_back(w->terminate(timeout));
  return codes;
}

}  // namespace hookd::bench
