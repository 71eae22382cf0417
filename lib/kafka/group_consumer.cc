#include "kafka/group_consumer.h"

#include <algorithm>
#include <exception>

#include "common/log.h"
#include "kafka/partition_list.h"

namespace hookd::kafka {
namespace {

template <typename Hook, typename... Args>
void run_hook(const char* name, const Hook& hook, Args&&... args) {
  if (!hook) return;
  // Hooks run inside librdkafka callbacks: an exception must not unwind through C frames.
  try {
    hook(std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    log::error("kafka consumer hook threw", {{"hook", name}, {"error", e.what()}});
  } catch (...) {
    log::error("kafka consumer hook threw", {{"hook", name}});
  }
}

std::string join_topics(const std::vector<std::string>& topics) {
  std::string out;
  for (const auto& t : topics) out += (out.empty() ? "" : ",") + t;
  return out;
}

}  // namespace

ConfResult group_consumer_conf(const ClientSettings& settings, const GroupConsumerOptions& options) {
  std::vector<Property> fixed{{"group.id", options.group_id},
                              {"partition.assignment.strategy", "range,roundrobin"},
                              {"enable.auto.offset.store", "false"},
                              {"enable.auto.commit", "true"},
                              {"auto.commit.interval.ms", std::to_string(options.auto_commit_interval.count())},
                              {"isolation.level", "read_committed"},
                              {"enable.partition.eof", "false"},
                              {"statistics.interval.ms", std::to_string(options.statistics_interval.count())}};
  if (!options.instance_id.empty()) fixed.push_back({"group.instance.id", options.instance_id});
  return make_conf(
      settings,
      {{"client.id", "hookd-consumer"},
       {"auto.offset.reset", options.auto_offset_reset},
       {"fetch.error.backoff.ms", "100"},
       // Not guarantees hookd rests on: kafka.properties may change them (docs/operations.md,
       // identity and timeouts, for the trade-off).
       {"session.timeout.ms", std::to_string(options.session_timeout.count())},
       {"heartbeat.interval.ms", std::to_string(options.heartbeat_interval.count())}},
      fixed);
}

GroupConsumer::GroupConsumer(const ClientSettings& settings, GroupConsumerOptions options)
    : options_(std::move(options)) {
  if (options_.topics.empty()) throw Error("kafka consumer: no topics to subscribe to");
  auto conf = conf_or_throw(group_consumer_conf(settings, options_));
  rd_kafka_conf_set_rebalance_cb(conf.get(), &GroupConsumer::on_rebalance);
  rd_kafka_conf_set_stats_cb(conf.get(), &GroupConsumer::on_statistics);
  rd_kafka_conf_set_error_cb(conf.get(), &GroupConsumer::on_client_error);
  rd_kafka_conf_set_opaque(conf.get(), this);
  handle_ = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
  // Serve statistics and errors from the consumer queue too, so poll() is the only loop.
  rd_kafka_poll_set_consumer(handle_.get());

  PartitionListPtr topics(rd_kafka_topic_partition_list_new(static_cast<int>(options_.topics.size())));
  for (const auto& t : options_.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (const auto err = rd_kafka_subscribe(handle_.get(), topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw Error("kafka consumer: cannot subscribe to " + join_topics(options_.topics) + ": " + describe(err));
  }
  log::info("kafka consumer subscribed", {{"group", options_.group_id},
                                          {"instance_id", options_.instance_id},
                                          {"topics", join_topics(options_.topics)}});
}

GroupConsumer::~GroupConsumer() {
  close();
  // Destroyed here, while the members its callbacks touch are still alive. After a close cut
  // short, destroying must not try to close (and wait) again.
  if (close_finished_) {
    handle_.reset();
  } else {
    rd_kafka_destroy_flags(handle_.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
}

Message GroupConsumer::poll(std::chrono::milliseconds timeout) {
  if (closed_) return Message();
  Message message(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count())));
  // librdkafka hands a consumer's fatal error to the application only as this event.
  if (message && message.error() == RD_KAFKA_RESP_ERR__FATAL) report_fatal();
  return message;
}

rd_kafka_resp_err_t GroupConsumer::fatal_error() const {
  return rd_kafka_fatal_error(handle_.get(), nullptr, 0);
}

void GroupConsumer::report_fatal() {
  if (fatal_reported_) return;
  fatal_reported_ = true;
  char reason[512] = "";
  const rd_kafka_resp_err_t err = rd_kafka_fatal_error(handle_.get(), reason, sizeof reason);
  log::error("kafka consumer failed fatally; it consumes nothing more",
             {{"group", options_.group_id}, {"instance_id", options_.instance_id}, {"error", describe(err)},
              {"reason", reason}});
  run_hook("on_fatal", options_.on_fatal, err, std::string_view(reason));
}

void GroupConsumer::leave_group(std::chrono::steady_clock::time_point deadline) {
  if (options_.instance_id.empty() || fatal_error() != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  // librdkafka 2.0.2 skips LeaveGroup for a static member that is terminating, but an
  // unsubscribe sends it once the revoke is done (rd_kafka_cgrp_leave_maybe), and the close
  // after it waits for that request. The leave clears the member id: the sign it went out.
  if (const auto err = rd_kafka_unsubscribe(handle_.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log::warn("kafka consumer cannot unsubscribe; the group keeps its partitions until the session times out",
              {{"group", options_.group_id}, {"error", describe(err)}});
    return;
  }
  auto member_id = [this] {
    char* id = rd_kafka_memberid(handle_.get());
    std::string out = id != nullptr ? id : "";
    if (id != nullptr) rd_kafka_mem_free(handle_.get(), id);
    return out;
  };
  bool left = false;
  while (!(left = member_id().empty()) && std::chrono::steady_clock::now() < deadline) {
    // Serves the revoke (the hook, the commit, the unassign). Records still arriving are
    // dropped: their offsets were never stored, so the next owner delivers them.
    Message message(rd_kafka_consumer_poll(handle_.get(), 50));
  }
  if (left) {
    log::info("kafka consumer left the group", {{"group", options_.group_id}, {"instance_id", options_.instance_id}});
  } else {
    log::warn("kafka consumer could not leave the group in time; its partitions move when the session times out",
              {{"group", options_.group_id}, {"instance_id", options_.instance_id}});
  }
}

rd_kafka_resp_err_t GroupConsumer::store_offset(std::string_view topic, std::int32_t partition, std::int64_t offset) {
  // Reused per thread: storing happens on every completion that moves an offset.
  thread_local std::string topic_name;
  topic_name.assign(topic);
  PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), topic_name.c_str(), partition)->offset = offset;
  rd_kafka_resp_err_t err = rd_kafka_offsets_store(handle_.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[0].err;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__STATE) {
    log::limited(log::Level::warn, "kafka.consumer.store", "cannot store offset",
                 {{"topic", topic}, {"partition", partition}, {"offset", static_cast<long long>(offset)},
                  {"error", describe(err)}});
  }
  return err;
}

rd_kafka_resp_err_t GroupConsumer::commit() {
  const rd_kafka_resp_err_t err = rd_kafka_commit(handle_.get(), nullptr, 0 /* synchronous */);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    log::limited(log::Level::warn, "kafka.consumer.commit", "offset commit failed", {{"error", describe(err)}});
  }
  return err;
}

bool GroupConsumer::close(std::chrono::milliseconds timeout) {
  if (closed_) return close_finished_;
  closed_ = true;  // from here the revoke commits asynchronously, within the deadline
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  // A third of the time stays for the close itself when the leave cannot finish.
  leave_group(start + timeout * 2 / 3);
  // Leaves the group: the rebalance revokes from here (hook, synchronous commit of the stored
  // offsets, unassign), so a separate commit first would only repeat it. The asynchronous close
  // forwards the rebalance to our queue, served here until the deadline.
  rd_kafka_queue_t* queue = rd_kafka_queue_new(handle_.get());
  bool finished = false;
  if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(handle_.get(), queue)) {
    log::warn("kafka consumer close failed", {{"error", rd_kafka_error_string(error)}});
    rd_kafka_error_destroy(error);
  } else {
    while (!(finished = rd_kafka_consumer_closed(handle_.get()) != 0) && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 100);
      if (event == nullptr) continue;
      if (rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE) {
        on_rebalance(handle_.get(), rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event), this);
      }
      rd_kafka_event_destroy(event);
    }
  }
  rd_kafka_queue_destroy(queue);
  close_finished_ = finished;
  if (finished) {
    log::info("kafka consumer closed", {{"group", options_.group_id}});
  } else {
    log::warn("kafka consumer close timed out; offsets not committed are redelivered",
              {{"group", options_.group_id}, {"timeout_ms", static_cast<long long>(timeout.count())}});
  }
  return finished;
}

void GroupConsumer::enable_io_event(int fd) {
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(handle_.get());
  static constexpr char kWakeByte[] = "1";
  rd_kafka_queue_io_event_enable(queue, fd, kWakeByte, 1);
  rd_kafka_queue_destroy(queue);  // drops our reference only
}

void GroupConsumer::set_paused(const std::vector<TopicPartition>& partitions, bool pause) {
  if (partitions.empty()) return;
  auto list = to_list(partitions);
  const auto err = pause ? rd_kafka_pause_partitions(handle_.get(), list.get())
                         : rd_kafka_resume_partitions(handle_.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log::warn(pause ? "cannot pause partitions" : "cannot resume partitions", {{"error", describe(err)}});
  }
}

void GroupConsumer::pause_all() {
  std::lock_guard lock(mutex_);
  want_paused_ = true;
  std::vector<TopicPartition> to_pause;
  for (const auto& tp : assignment_) {
    if (paused_.insert(tp).second) to_pause.push_back(tp);
  }
  set_paused(to_pause, true);
}

void GroupConsumer::resume_all() {
  std::lock_guard lock(mutex_);
  want_paused_ = false;
  std::vector<TopicPartition> to_resume;
  for (const auto& tp : assignment_) {
    if (paused_.erase(tp) > 0) to_resume.push_back(tp);
  }
  // Partitions paused while assigned and since revoked stay in paused_: librdkafka keeps
  // their pause flag, and assigned() resumes them if they come back.
  set_paused(to_resume, false);
}

void GroupConsumer::pause(const TopicPartition& tp) {
  std::lock_guard lock(mutex_);
  const bool assigned = std::find(assignment_.begin(), assignment_.end(), tp) != assignment_.end();
  if (assigned && paused_.insert(tp).second) set_paused({tp}, true);
}

void GroupConsumer::resume(const TopicPartition& tp) {
  std::lock_guard lock(mutex_);
  // Never resume what this wrapper did not pause (librdkafka 2.0.2 can rewind, #4686), and
  // never while everything is held paused.
  if (want_paused_) return;
  if (paused_.erase(tp) > 0) set_paused({tp}, false);
}

bool GroupConsumer::paused() const {
  std::lock_guard lock(mutex_);
  return want_paused_;
}

std::vector<TopicPartition> GroupConsumer::assignment() const {
  std::lock_guard lock(mutex_);
  return assignment_;
}

void GroupConsumer::assigned(rd_kafka_topic_partition_list_t* partitions) {
  if (const auto err = rd_kafka_assign(handle_.get(), partitions); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log::error("kafka consumer cannot assign partitions", {{"error", describe(err)}});
  }
  auto assigned = to_vector(partitions);
  {
    std::lock_guard lock(mutex_);
    assignment_ = assigned;
    std::vector<TopicPartition> to_pause;
    std::vector<TopicPartition> to_resume;
    for (const auto& tp : assigned) {
      if (want_paused_) {
        // Paused again even if remembered: a fresh assignment must never fetch while hookd is at its cap.
        paused_.insert(tp);
        to_pause.push_back(tp);
      } else if (paused_.erase(tp) > 0) {
        to_resume.push_back(tp);  // still carries the pause flag from before it was revoked
      }
    }
    set_paused(to_pause, true);
    set_paused(to_resume, false);
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
  joined_.store(true, std::memory_order_release);
  log::info("kafka partitions assigned", {{"group", options_.group_id},
                                          {"count", static_cast<long long>(assigned.size())},
                                          {"generation", static_cast<long long>(assignment_generation())}});
  run_hook("on_assign", options_.on_assign, assigned);
}

void GroupConsumer::revoked(rd_kafka_topic_partition_list_t* partitions) {
  const auto revoked = to_vector(partitions);
  // The worker stores the final offsets of the revoked partitions here, before they go.
  run_hook("on_revoke", options_.on_revoke, revoked);
  if (rd_kafka_assignment_lost(handle_.get())) {
    log::warn("kafka assignment lost; not committing", {{"group", options_.group_id}});
  } else if (closed_) {
    // Closing: the close waits for this commit up to its deadline, never longer.
    rd_kafka_commit(handle_.get(), nullptr, 1 /* asynchronous */);
  } else {
    commit();
  }
  if (const auto err = rd_kafka_assign(handle_.get(), nullptr); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log::error("kafka consumer cannot unassign partitions", {{"error", describe(err)}});
  }
  {
    std::lock_guard lock(mutex_);
    assignment_.clear();
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
  log::info("kafka partitions revoked",
            {{"group", options_.group_id}, {"count", static_cast<long long>(revoked.size())}});
}

void GroupConsumer::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                                 void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  switch (err) {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
      self->assigned(partitions);
      return;
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
      self->revoked(partitions);
      return;
    default:
      log::error("kafka rebalance failed", {{"error", describe(err)}});
      rd_kafka_assign(rk, nullptr);
      {
        std::lock_guard lock(self->mutex_);
        self->assignment_.clear();
      }
      self->generation_.fetch_add(1, std::memory_order_acq_rel);
      return;
  }
}

int GroupConsumer::on_statistics(rd_kafka_t*, char* json, std::size_t json_len, void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  run_hook("on_stats", self->options_.on_stats, std::string_view(json, json_len));
  return 0;  // librdkafka frees the JSON
}

void GroupConsumer::on_client_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  log::limited(log::Level::warn, "kafka.consumer.error", "kafka consumer error",
               {{"error", describe(code)}, {"reason", reason}});
  run_hook("on_error", self->options_.on_error, code, std::string_view(reason));
}

}  // namespace hookd::kafka
