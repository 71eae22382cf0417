#include "inspect/connect_check.h"

#include "config/loader.h"
#include "kafka/config.h"
#include "kafka/group_consumer.h"
#include "kafka/partition_list.h"
#include "kafka/producer.h"
#include "retry/records.h"

#include <librdkafka/rdkafka.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <map>
#include <mutex>

namespace hookd::inspect {
namespace {

using Clock = std::chrono::steady_clock;

struct TopicState {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;  // per topic: e.g. TOPIC_AUTHORIZATION_FAILED
  int partitions = 0;
};

struct ClusterView {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;  // the metadata request itself
  int brokers = 0;
  std::map<std::string, TopicState, std::less<>> topics;  // only topics that exist (or are refused)
};

// Every topic's metadata in one request: naming a missing topic could make a broker with
// auto.create.topics.enable create it (kafka/metadata.h).
ClusterView read_cluster(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
  ClusterView view;
  const rd_kafka_metadata_t* metadata = nullptr;
  view.error = rd_kafka_metadata(rk, 1, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (view.error != RD_KAFKA_RESP_ERR_NO_ERROR) return view;
  view.brokers = metadata->broker_cnt;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& t = metadata->topics[i];
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
    view.topics[t.topic] = {t.err, t.partition_cnt};
  }
  rd_kafka_metadata_destroy(metadata);
  return view;
}

std::string ms_since(Clock::time_point start) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()) + " ms";
}

// A topic the Blue application owns must exist: hookd never creates it and would wait for it.
// One hookd writes may be absent (hookd creates it at start); refused is a failure either way.
CheckLine topic_check(const ClusterView& view, const std::string& topic, const char* role, bool hookd_creates) {
  CheckLine line{false, "topic " + topic, std::string(role) + ": "};
  const auto it = view.topics.find(topic);
  if (it == view.topics.end()) {
    line.ok = hookd_creates;
    line.detail += hookd_creates ? "absent; hookd creates it at start (needs permission to create topics)"
                                 : "does not exist (hookd never creates it and would wait for it)";
  } else if (it->second.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    line.detail += kafka::describe(it->second.error);
  } else {
    line.ok = true;
    line.detail += std::to_string(it->second.partitions) + " partitions";
  }
  return line;
}

// The group's description (DescribeGroups: Describe on the group) and its committed offsets on
// `topics` (OffsetFetch through the group's coordinator: Describe on the group and the topics),
// asked by a consumer built like the worker's but never subscribed: it joins nothing, so it can
// neither rebalance nor fence a running worker, and it commits nothing. No group.instance.id for
// the same reason.
CheckLine group_check(const kafka::ClientSettings& settings, const std::string& group, const char* key,
                      const std::vector<std::string>& topics, const ClusterView& view,
                      std::chrono::milliseconds timeout) {
  CheckLine line{false, "group " + group, std::string(key) + ": "};
  kafka::GroupConsumerOptions options;
  options.group_id = group;
  auto conf = kafka::group_consumer_conf(settings, options);
  if (!conf.conf) {
    line.detail += conf.error;
    return line;
  }
  kafka::HandlePtr handle;
  try {
    handle = kafka::make_handle(RD_KAFKA_CONSUMER, std::move(conf.conf));
  } catch (const std::exception& e) {
    line.detail += e.what();
    return line;
  }
  const rd_kafka_group_list* list = nullptr;
  const auto err = rd_kafka_list_groups(handle.get(), group.c_str(), &list, static_cast<int>(timeout.count()));
  std::string state = "no members";
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    line.detail += "describing the group failed: " + kafka::describe(err);
    return line;
  }
  for (int i = 0; i < list->group_cnt; ++i) {
    const auto& g = list->groups[i];
    if (g.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      line.detail += "describing the group failed: " + kafka::describe(g.err);
      rd_kafka_group_list_destroy(list);
      return line;
    }
    state = std::string(g.state != nullptr && *g.state ? g.state : "no state") + ", " +
            std::to_string(g.member_cnt) + " members";
  }
  rd_kafka_group_list_destroy(list);

  kafka::PartitionListPtr partitions(rd_kafka_topic_partition_list_new(16));
  for (const auto& topic : topics) {
    const auto it = view.topics.find(topic);
    if (it == view.topics.end() || it->second.error != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    for (int p = 0; p < it->second.partitions; ++p) rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), p);
  }
  int committed = 0;
  if (partitions->cnt > 0) {
    const auto fetch = rd_kafka_committed(handle.get(), partitions.get(), static_cast<int>(timeout.count()));
    if (fetch != RD_KAFKA_RESP_ERR_NO_ERROR) {
      line.detail += "reading committed offsets failed: " + kafka::describe(fetch);
      rd_kafka_consumer_close(handle.get());
      return line;
    }
    for (int i = 0; i < partitions->cnt; ++i) {
      const auto& tp = partitions->elems[i];
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        line.detail += "reading the committed offset of " + std::string(tp.topic) + "[" +
                       std::to_string(tp.partition) + "] failed: " + kafka::describe(tp.err);
        rd_kafka_consumer_close(handle.get());
        return line;
      }
      if (tp.offset >= 0) ++committed;
    }
  }
  rd_kafka_consumer_close(handle.get());
  line.ok = true;
  line.detail += state + "; committed offsets on " + std::to_string(committed) + " of " +
                 std::to_string(partitions->cnt) + " partitions";
  return line;
}

struct ProducerProbe {
  std::mutex mutex;
  std::string idempotence_state;  // librdkafka's eos.idemp_state, e.g. "Assigned"
  std::string error;              // the last client error
  bool fatal = false;
};

// librdkafka's statistics JSON: {"eos": {"idemp_state": "Assigned", ...}, ...}.
int on_producer_stats(rd_kafka_t*, char* json, size_t size, void* opaque) {
  auto& probe = *static_cast<ProducerProbe*>(opaque);
  boost::system::error_code ec;
  const auto stats = boost::json::parse(std::string_view(json, size), ec);
  if (!ec && stats.is_object()) {
    const auto* eos = stats.as_object().if_contains("eos");
    const auto* state = eos != nullptr && eos->is_object() ? eos->as_object().if_contains("idemp_state") : nullptr;
    if (state != nullptr && state->is_string()) {
      const std::lock_guard lock(probe.mutex);
      probe.idempotence_state = std::string(state->as_string());
    }
  }
  return 0;  // librdkafka frees the JSON
}

void on_producer_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto& probe = *static_cast<ProducerProbe*>(opaque);
  const std::lock_guard lock(probe.mutex);
  probe.error = kafka::describe(static_cast<rd_kafka_resp_err_t>(err)) + " (" + reason + ")";
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    std::array<char, 512> text{};
    const auto underlying = rd_kafka_fatal_error(rk, text.data(), text.size());
    probe.error = kafka::describe(underlying) + " (" + text.data() + ")";
    probe.fatal = true;
  }
}

// The worker's producer is idempotent: librdkafka asks the cluster for a producer id
// (InitProducerId) as soon as it connects, which needs the IdempotentWrite permission (or Write
// on a topic, from Kafka 2.8). An assigned id proves the producer can start; whether it may write
// to each topic only a write would prove, and the check writes nothing.
CheckLine producer_check(const config::Config& config, const kafka::ClientSettings& settings,
                         std::chrono::milliseconds timeout) {
  CheckLine line{false, "producer", ""};
  kafka::ProducerOptions options;
  options.max_record_bytes = config::max_record_bytes(config.limits.max_event_bytes);
  auto conf = kafka::producer_conf(settings, options);
  if (!conf.conf) {
    line.detail = conf.error;
    return line;
  }
  ProducerProbe probe;
  std::array<char, 256> errstr{};
  rd_kafka_conf_set(conf.conf.get(), "statistics.interval.ms", "100", errstr.data(), errstr.size());
  rd_kafka_conf_set_opaque(conf.conf.get(), &probe);
  rd_kafka_conf_set_stats_cb(conf.conf.get(), on_producer_stats);
  rd_kafka_conf_set_error_cb(conf.conf.get(), on_producer_error);
  kafka::HandlePtr handle;
  try {
    handle = kafka::make_handle(RD_KAFKA_PRODUCER, std::move(conf.conf));
  } catch (const std::exception& e) {
    line.detail = e.what();
    return line;
  }
  const auto deadline = Clock::now() + timeout;
  std::string state;
  while (Clock::now() < deadline) {
    rd_kafka_poll(handle.get(), 50);
    const std::lock_guard lock(probe.mutex);
    state = probe.idempotence_state;
    if (state == "Assigned" || probe.fatal) break;
  }
  const std::lock_guard lock(probe.mutex);
  if (state == "Assigned") {
    line.ok = true;
    line.detail = "idempotent producer id assigned (acks=all)";
  } else if (probe.fatal) {
    line.detail = "the idempotent producer failed: " + probe.error;
  } else {
    line.detail = "no producer id within " + std::to_string(timeout.count()) + " ms (state " +
                  (state.empty() ? std::string("unknown") : state) + ")" +
                  (probe.error.empty() ? "" : "; last error: " + probe.error);
  }
  return line;
}

}  // namespace

bool check_connect(const config::Config& config, std::chrono::milliseconds timeout,
                   const std::function<void(const CheckLine&)>& on_line) {
  const kafka::ClientSettings settings{config.kafka.bootstrap_servers, config.kafka.properties};
  bool all_ok = true;
  auto report = [&](CheckLine line) {
    all_ok = all_ok && line.ok;
    on_line(line);
  };

  std::vector<std::string> retry_tiers;
  for (const auto& delay : retry::distinct_tiers(config.retry.schedule)) {
    retry_tiers.push_back(retry::tier_topic(config.topics.retry_prefix, delay));
  }
  kafka::HandlePtr reader;
  try {
    reader = kafka::make_reader_handle(settings, "hookd-check");
  } catch (const std::exception& e) {
    report({false, "brokers", e.what()});
    return false;
  }
  const auto start = Clock::now();
  const ClusterView view = read_cluster(reader.get(), timeout);
  if (view.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    report({false, "brokers",
            config.kafka.bootstrap_servers + " did not answer a metadata request within " +
                std::to_string(timeout.count()) + " ms: " + kafka::describe(view.error) +
                " (security.protocol, SASL and TLS settings come from kafka.properties; the client log above "
                "may say more)"});
    for (const char* name : {"topics", "groups", "producer"}) report({false, name, "not checked: brokers unreachable"});
    return false;
  }
  report({true, "brokers", std::to_string(view.brokers) + " brokers; metadata in " + ms_since(start)});

  for (const auto& topic : config.topics.events) report(topic_check(view, topic, "topics.events", false));
  report(topic_check(view, config.topics.subscriptions, "topics.subscriptions", false));
  for (const auto& tier : retry_tiers) report(topic_check(view, tier, "retry tier", true));
  report(topic_check(view, config.topics.dead_letter, "topics.dead_letter", true));
  if (!config.topics.attempts.empty()) report(topic_check(view, config.topics.attempts, "topics.attempts", true));
  if (!config.topics.status.empty()) report(topic_check(view, config.topics.status, "topics.status", true));

  report(group_check(settings, config.kafka.group_id, "kafka.group_id", config.topics.events, view, timeout));
  report(group_check(settings, config.retry.group_id, "retry.group_id", retry_tiers, view, timeout));
  report(producer_check(config, settings, timeout));
  return all_ok;
}

}  // namespace hookd::inspect
