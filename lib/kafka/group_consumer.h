// The events consumer: a member of hookd's consumer group.
//
// Design (docs/architecture.md, library gaps):
// - Eager assignors only (range,roundrobin): cooperative-sticky has known bugs in 2.0.2.
// - hookd stores offsets itself (enable.auto.offset.store=false) once deliveries are
//   durable; auto-commit (every auto_commit_interval, kafka.commit_interval) commits what was
//   stored; a revoke commits synchronously, close() within its deadline. The interval is part
//   of the bound on what a crash redelivers (docs/contract.md).
// - Every assignment change bumps assignment_generation(): a delivery remembers the
//   generation it was dispatched under and the worker ignores completions from an older one.
// - librdkafka keeps a paused partition paused across a rebalance, and resuming one that
//   is not paused can rewind its fetch position (#4686): this wrapper remembers exactly
//   which partitions it paused, re-applies the pause to new assignments while paused, and
//   resumes only what it paused.
// - Static membership (KIP-345) when options.instance_id is set: a member restarted with the
//   same group.instance.id within session_timeout gets its partitions back without a
//   rebalance. librdkafka 2.0.2 never sends LeaveGroup when a static member closes, so close()
//   unsubscribes first, which does send it, and the group hands the partitions over at once
//   (docs/operations.md, identity and timeouts). A second live member with the same id fences
//   this one: a fatal error, reported once through on_fatal; the consumer then stops.
//
// Threading: poll(), close() and the hooks run on the caller's poll thread (rebalance and
// stats callbacks fire inside poll()). store_offset(), pause_all(), resume_all(),
// assignment_generation(), joined() and assignment() are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "kafka/config.h"
#include "kafka/message.h"
#include "kafka/types.h"

namespace hookd::kafka {

struct GroupConsumerOptions {
  std::string group_id = "hookd";
  std::vector<std::string> topics;
  // group.instance.id; empty: a dynamic member (a new member id, and a rebalance, per start).
  std::string instance_id;
  // Defaults for a Kubernetes fleet (docs/operations.md): a dead member is noticed within the
  // session timeout; members learn of a rebalance at their next heartbeat. kafka.properties
  // (session.timeout.ms, heartbeat.interval.ms) override both.
  std::chrono::milliseconds session_timeout{10'000};
  std::chrono::milliseconds heartbeat_interval{1'000};
  // How often stored offsets are committed: a crash repeats about this much finished work.
  std::chrono::milliseconds auto_commit_interval{1'000};
  // 0 disables statistics (and so consumer-lag reports).
  std::chrono::milliseconds statistics_interval{0};
  // Where a group without a committed offset starts; a default, kafka.properties may override.
  std::string auto_offset_reset = "earliest";

  // After the new partitions are assigned (and the generation bumped). May be empty.
  std::function<void(const std::vector<TopicPartition>&)> on_assign;
  // Before the revoked partitions are committed and unassigned: the last moment to
  // store_offset() for them. The generation is bumped after it returns.
  std::function<void(const std::vector<TopicPartition>&)> on_revoke;
  // The raw statistics JSON (see parse_consumer_lag); valid only during the call.
  std::function<void(std::string_view)> on_stats;
  // Errors librdkafka reports on the client (e.g. _ALL_BROKERS_DOWN, _TRANSPORT); they are
  // logged (rate-limited) either way.
  std::function<void(rd_kafka_resp_err_t, std::string_view reason)> on_error;
  // Once, on the poll thread, when the consumer failed for good (e.g. FENCED_INSTANCE_ID: another
  // live member uses instance_id); `err` is the underlying code. It consumes nothing after it.
  std::function<void(rd_kafka_resp_err_t, std::string_view reason)> on_fatal;
};

// The configuration a GroupConsumer with these options builds, before its callbacks are
// set (the topics play no part); the error names the property librdkafka refused.
ConfResult group_consumer_conf(const ClientSettings& settings, const GroupConsumerOptions& options);

class GroupConsumer {
 public:
  // Subscribes at once; throws Error naming the property on a bad configuration.
  GroupConsumer(const ClientSettings& settings, GroupConsumerOptions options);
  // close()s if that was not done.
  ~GroupConsumer();
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  // The next record or error event, or an empty Message after `timeout`. Rebalances and
  // statistics are served here, so keep calling it even while everything is paused.
  Message poll(std::chrono::milliseconds timeout);

  // Stores `offset` (the next offset to consume, i.e. last done + 1) for the next commit.
  // Storing for a partition this member no longer owns is ignored (returns _STATE, silently).
  rd_kafka_resp_err_t store_offset(std::string_view topic, std::int32_t partition, std::int64_t offset);

  // Commits the stored offsets now and waits for the broker; _NO_OFFSET when nothing new.
  rd_kafka_resp_err_t commit();

  // Pauses every assigned partition, and every partition assigned later, until resume_all().
  void pause_all();
  // Resumes only the partitions pause_all() paused.
  void resume_all();
  // One partition, e.g. while a retry record waits for its due time. Resumes only what it paused.
  void pause(const TopicPartition& tp);
  void resume(const TopicPartition& tp);
  bool paused() const;

  std::uint64_t assignment_generation() const { return generation_.load(std::memory_order_acquire); }
  // True once the group gave this member an assignment (even an empty one).
  bool joined() const { return joined_.load(std::memory_order_acquire); }
  std::vector<TopicPartition> assignment() const;

  // Commits stored offsets, leaves the group (the revoke hook runs) and stops consuming, within
  // `timeout`: with the brokers unreachable the commit cannot finish, and then what was stored
  // stays uncommitted (redelivered by the next owner). False when the deadline cut it short.
  // A static member leaves too (see above), unless it was fenced.
  // Idempotent. Destroy every Message from poll() before calling it.
  bool close(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // For an event loop: librdkafka writes "1" to `fd` when the consumer queue goes from
  // empty to non-empty; then drain it with poll(0) until it returns an empty Message.
  void enable_io_event(int fd);

  rd_kafka_t* handle() const { return handle_.get(); }

  // The error that stopped the consumer for good, or NO_ERROR. Safe from any thread.
  rd_kafka_resp_err_t fatal_error() const;

 private:
  void report_fatal();
  // Static members only: unsubscribe, serve the revoke and wait until LeaveGroup is sent.
  void leave_group(std::chrono::steady_clock::time_point deadline);
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                           void* opaque);
  static int on_statistics(rd_kafka_t* rk, char* json, std::size_t json_len, void* opaque);
  static void on_client_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void assigned(rd_kafka_topic_partition_list_t* partitions);
  void revoked(rd_kafka_topic_partition_list_t* partitions);
  void set_paused(const std::vector<TopicPartition>& partitions, bool pause);

  GroupConsumerOptions options_;
  HandlePtr handle_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> joined_{false};
  bool fatal_reported_ = false;  // poll thread only
  bool closed_ = false;
  bool close_finished_ = true;  // false: destroy without another (blocking) close

  mutable std::mutex mutex_;  // guards the fields below
  std::vector<TopicPartition> assignment_;
  // Partitions paused by this wrapper and not resumed, assigned or not (librdkafka keeps
  // the pause flag of a partition that was revoked while paused).
  std::set<TopicPartition> paused_;
  bool want_paused_ = false;
};

}  // namespace hookd::kafka
