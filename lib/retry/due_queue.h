// The retry loop's held records: per partition, in offset order, each with the time it is due.
//
// A record is due at its Kafka timestamp plus its tier's delay. One that is not yet due (or
// that arrived behind one that is not) is held, and its partition is paused while anything is
// held on it; other partitions keep flowing. Tiers are first-in first-out by due time, so
// holding the head of a partition never holds back an earlier-due record. `now` is always
// passed in (docs/architecture.md: one clock).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <utility>

namespace hookd::retry {

template <typename Partition, typename Record>
class DueQueue {
 public:
  // Whether a record read from `partition`, due at `due_unix_ms`, must wait: it is not due, or
  // an earlier record of its partition is held.
  bool must_wait(const Partition& partition, std::int64_t due_unix_ms, std::int64_t now_unix_ms) const {
    return due_unix_ms > now_unix_ms || held_.contains(partition);
  }

  // Holds a record that must wait; true when it is the partition's first (pause the partition).
  bool hold(const Partition& partition, Record record, std::int64_t due_unix_ms) {
    auto [it, first] = held_.try_emplace(partition);
    it->second.push_back(Held{std::move(record), due_unix_ms});
    return first;
  }

  // Hands every record due at `now` to process(partition, record, due), in offset order per
  // partition, and each partition left with nothing held to resume(partition).
  template <typename Process, typename Resume>
  void release_due(std::int64_t now_unix_ms, Process&& process, Resume&& resume) {
    for (auto it = held_.begin(); it != held_.end();) {
      auto& queue = it->second;
      while (!queue.empty() && queue.front().due_unix_ms <= now_unix_ms) {
        process(it->first, queue.front().record, queue.front().due_unix_ms);
        queue.pop_front();
      }
      if (queue.empty()) {
        resume(it->first);
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
  }

  bool holds(const Partition& partition) const { return held_.contains(partition); }
  std::size_t size() const {
    std::size_t n = 0;
    for (const auto& [partition, queue] : held_) n += queue.size();
    return n;
  }
  // Held records belong to an assignment: after a revoke the next owner reads them again.
  void clear() { held_.clear(); }

 private:
  struct Held {
    Record record;
    std::int64_t due_unix_ms;
  };
  std::map<Partition, std::deque<Held>> held_;
};

}  // namespace hookd::retry
