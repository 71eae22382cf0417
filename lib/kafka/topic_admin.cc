#include "kafka/topic_admin.h"

#include <algorithm>
#include <array>
#include <memory>
#include <thread>

#include "common/log.h"
#include "kafka/metadata.h"

namespace hookd::kafka {
namespace {

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};

void on_admin_error(rd_kafka_t*, int err, const char* reason, void*) {
  log::limited(log::Level::warn, "kafka.admin.error", "kafka admin client error",
               {{"error", describe(static_cast<rd_kafka_resp_err_t>(err))}, {"reason", reason}});
}

std::string cannot_create(const std::string& topic, const std::string& why) {
  return "cannot create topic '" + topic + "': " + why;
}

}  // namespace

ConfResult topic_admin_conf(const ClientSettings& settings) {
  return make_conf(settings, {{"client.id", "hookd-admin"}}, {});
}

TopicAdmin::TopicAdmin(const ClientSettings& settings, std::chrono::milliseconds timeout) : timeout_(timeout) {
  auto conf = conf_or_throw(topic_admin_conf(settings));
  rd_kafka_conf_set_error_cb(conf.get(), on_admin_error);
  // A producer handle is the lightest client that can run admin requests.
  handle_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));
}

MaybeError TopicAdmin::ensure_topics(const std::vector<TopicSpec>& specs) {
  std::vector<std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>> to_create;
  std::vector<std::string> names;  // of to_create, in order
  std::array<char, 512> errstr{};
  for (const auto& spec : specs) {
    const auto lookup = lookup_topic(handle_.get(), spec.name, timeout_);
    if (lookup.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return cannot_create(spec.name, "cannot read the cluster's metadata: " + describe(lookup.error));
    }
    if (lookup.exists) continue;
    std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> topic(rd_kafka_NewTopic_new(
        spec.name.c_str(), spec.partitions, spec.replication_factor, errstr.data(), errstr.size()));
    if (!topic) return cannot_create(spec.name, errstr.data());
    for (const auto& [name, value] : spec.configs) {
      if (const auto err = rd_kafka_NewTopic_set_config(topic.get(), name.c_str(), value.c_str()); err) {
        return cannot_create(spec.name, "config '" + name + "': " + describe(err));
      }
    }
    to_create.push_back(std::move(topic));
    names.push_back(spec.name);
  }
  if (to_create.empty()) return std::nullopt;

  std::vector<rd_kafka_NewTopic_t*> raw;
  for (const auto& t : to_create) raw.push_back(t.get());
  std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> options(
      rd_kafka_AdminOptions_new(handle_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  const int timeout_ms = static_cast<int>(timeout_.count());
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, errstr.data(), errstr.size());
  // The broker answers once the topics are created (or this expires), not just accepted.
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, errstr.data(), errstr.size());
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(handle_.get()));
  rd_kafka_CreateTopics(handle_.get(), raw.data(), raw.size(), options.get(), queue.get());

  // The admin request enforces its own timeout; the extra second lets its result arrive.
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(rd_kafka_queue_poll(queue.get(), timeout_ms + 1'000));
  // A request-level failure concerns every topic asked for: name them all.
  std::string all_names;
  for (const auto& n : names) all_names += (all_names.empty() ? "" : "', '") + n;
  if (!event) return cannot_create(all_names, "no answer from Kafka");
  if (const auto err = rd_kafka_event_error(event.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return cannot_create(all_names, describe(err) + ": " + rd_kafka_event_error_string(event.get()));
  }
  const auto* result = rd_kafka_event_CreateTopics_result(event.get());
  std::size_t count = 0;
  const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(result, &count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto err = rd_kafka_topic_result_error(topics[i]);
    const std::string name = rd_kafka_topic_result_name(topics[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      log::info("kafka topic ready", {{"topic", name}, {"created", err == RD_KAFKA_RESP_ERR_NO_ERROR}});
      continue;
    }
    const char* text = rd_kafka_topic_result_error_string(topics[i]);
    return cannot_create(name, describe(err) + (text != nullptr ? std::string(": ") + text : std::string()));
  }

  // Created on the controller; wait until the metadata shows them so producing works at once.
  for (const auto& n : names) {
    if (!topic_exists(n, timeout_)) {
      return cannot_create(n, "created, but not visible in the metadata in time");
    }
  }
  return std::nullopt;
}

bool TopicAdmin::topic_exists(const std::string& name, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto lookup = lookup_topic(handle_.get(), name, std::max(left, std::chrono::milliseconds(100)));
    if (lookup.error == RD_KAFKA_RESP_ERR_NO_ERROR && lookup.exists && lookup.partitions > 0) return true;
    if (std::chrono::steady_clock::now() + std::chrono::milliseconds(100) >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool TopicAdmin::reachable(std::chrono::milliseconds timeout) {
  // Any answered metadata request means a broker is reachable; the topic need not exist.
  return lookup_topic(handle_.get(), "__hookd_reachability_probe", timeout).error == RD_KAFKA_RESP_ERR_NO_ERROR;
}

int TopicAdmin::partition_count(const std::string& name, std::chrono::milliseconds timeout) {
  const auto lookup = lookup_topic(handle_.get(), name, timeout);
  if (lookup.error != RD_KAFKA_RESP_ERR_NO_ERROR || !lookup.exists) return -1;
  return lookup.partitions;
}

}  // namespace hookd::kafka
