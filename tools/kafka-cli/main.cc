// hookd-kafka: a small Kafka client for the demo, the tests and scripts/kafka/start.sh.
// Dev tooling only (hookd never runs it): plain librdkafka C API, exits non-zero on
// anything it could not do. `hookd-kafka --help` lists the subcommands.
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cli_support.h"

namespace {

using namespace hookd::kafka_cli;

constexpr const char* kUsage = R"(usage: hookd-kafka COMMAND --bootstrap HOST:PORT [options]
  metadata [--timeout-ms N]
      exit 0 once a broker answers a metadata request; prints its topics
  create-topic NAME [--partitions N] [--replication R] [--config k=v ...] [--timeout-ms N]
      creates the topic (an existing one is success) and waits until it has leaders
  produce --topic T [--key K] [--header k=v ...] (--value STRING | --value-file FILE | --tombstone)
  produce --topic T --lines FILE      each line "key<TAB>value"; value "null" = tombstone;
                                      an empty key = no key; FILE "-" = stdin
      idempotent producer; waits for every delivery report; non-zero exit on any failure
  consume --topic T [--from-beginning] [--max N] [--timeout-ms N] [--group G]
      prints one JSON line per message: {"partition","offset","key","value","headers"};
      stops after N messages or after N ms without one (default 5000). Without --group it
      assigns every partition itself; with --group it joins that consumer group and commits.
exit codes: 0 done, 1 Kafka error, 2 usage error
)";


// ---- metadata ----------------------------------------------------------------------------

int cmd_metadata(const Args& args) {
  int timeout_ms = static_cast<int>(args.number("--timeout-ms", 5000));
  auto rk = make_client(RD_KAFKA_PRODUCER, base_conf(args));
  args.reject_unknown();
  auto md = fetch_metadata(rk.get(), timeout_ms);
  if (md->broker_cnt < 1) throw Fail{"metadata: no brokers"};
  for (int i = 0; i < md->topic_cnt; ++i)
    std::cout << md->topics[i].topic << '\t' << md->topics[i].partition_cnt << '\n';
  return 0;
}

// ---- create-topic ------------------------------------------------------------------------

void create_topic(rd_kafka_t* rk, const std::string& name, int partitions, int replication,
                  const std::vector<std::string>& configs, int timeout_ms) {
  char errstr[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, replication,
                                                     errstr, sizeof errstr);
  if (!topic) throw UsageError{errstr};
  std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> topic_owner(
      topic, rd_kafka_NewTopic_destroy);
  for (const auto& config : configs) {
    auto [key, value] = split_pair(config, '=');
    check(rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str()), "config " + key);
  }

  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options_owner(
      options, rd_kafka_AdminOptions_destroy);
  check(rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, errstr, sizeof errstr),
        "request timeout");
  check(rd_kafka_AdminOptions_set_operation_timeout(options, timeout_ms, errstr, sizeof errstr),
        "operation timeout");

  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue_owner(
      queue, rd_kafka_queue_destroy);
  rd_kafka_CreateTopics(rk, &topic, 1, options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, timeout_ms + 2000);
  if (!event) throw Fail{"create-topic " + name + ": no answer"};
  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> event_owner(
      event, rd_kafka_event_destroy);
  if (rd_kafka_event_error(event))
    throw Fail{"create-topic " + name + ": " + rd_kafka_event_error_string(event)};
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      std::cerr << "topic " << name << " already exists\n";
    } else if (err) {
      const char* why = rd_kafka_topic_result_error_string(results[i]);
      throw Fail{"create-topic " + name + ": " + (why ? why : rd_kafka_err2str(err))};
    }
  }
}

// The controller answers before every partition has a leader; callers that produce or
// assign right after would see transient "unknown partition" errors, so wait for leaders.
void wait_for_leaders(rd_kafka_t* rk, const std::string& name, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto md = fetch_metadata(rk, timeout_ms);
    const auto* topic = find_topic(*md, name);
    bool ready = topic && !topic->err && topic->partition_cnt > 0;
    for (int i = 0; ready && i < topic->partition_cnt; ++i)
      ready = !topic->partitions[i].err && topic->partitions[i].leader >= 0;
    if (ready) return;
    if (std::chrono::steady_clock::now() > deadline)
      throw Fail{"create-topic " + name + ": partitions have no leader yet"};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int cmd_create_topic(const Args& args) {
  if (args.positional().size() != 2) throw UsageError{"create-topic wants one topic name"};
  const std::string& name = args.positional()[1];
  int partitions = static_cast<int>(args.number("--partitions", 1));
  int replication = static_cast<int>(args.number("--replication", -1));  // -1: broker default
  int timeout_ms = static_cast<int>(args.number("--timeout-ms", 10000));
  auto configs = args.all("--config");
  auto rk = make_client(RD_KAFKA_PRODUCER, base_conf(args));
  args.reject_unknown();
  create_topic(rk.get(), name, partitions, replication, configs, timeout_ms);
  wait_for_leaders(rk.get(), name, timeout_ms);
  return 0;
}

// ---- produce -----------------------------------------------------------------------------

struct Record {
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: tombstone
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError{"cannot read " + path};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<Record> read_lines(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw UsageError{"cannot read " + path};
    in = &file;
  }
  std::vector<Record> records;
  std::string line;
  for (int number = 1; std::getline(*in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos)
      throw UsageError{path + ":" + std::to_string(number) + ": no TAB between key and value"};
    Record record;
    if (tab > 0) record.key = line.substr(0, tab);
    std::string value = line.substr(tab + 1);
    if (value != "null") record.value = std::move(value);
    records.push_back(std::move(record));
  }
  return records;
}

struct DeliveryTally {
  long delivered = 0;
  long failed = 0;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* tally = static_cast<DeliveryTally*>(opaque);
  if (message->err) {
    ++tally->failed;
    std::cerr << "delivery failed: " << rd_kafka_err2str(message->err) << '\n';
  } else {
    ++tally->delivered;
  }
}

int cmd_produce(const Args& args) {
  std::string topic = args.required("--topic");
  std::vector<Record> records;
  if (auto lines = args.get("--lines")) {
    records = read_lines(*lines);
  } else {
    Record record;
    record.key = args.get("--key");
    int sources = args.has("--value") + args.has("--value-file") + args.has("--tombstone");
    if (sources != 1) throw UsageError{"produce wants one of --value, --value-file, --tombstone"};
    if (auto value = args.get("--value")) record.value = *value;
    if (auto file = args.get("--value-file")) record.value = read_file(*file);
    records.push_back(std::move(record));
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& header : args.all("--header")) headers.push_back(split_pair(header, '='));

  DeliveryTally tally;
  rd_kafka_conf_t* conf = base_conf(args);
  set(conf, "enable.idempotence", "true");
  set(conf, "linger.ms", "5");
  set(conf, "message.timeout.ms", "30000");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &tally);
  auto rk = make_client(RD_KAFKA_PRODUCER, conf);
  args.reject_unknown();
  // The broker never auto-creates topics here; without this check a typo waits out
  // message.timeout.ms before it fails.
  auto md = fetch_metadata(rk.get(), 10000);
  const auto* meta = find_topic(*md, topic);
  if (!meta || meta->err)
    throw Fail{"topic " + topic + ": " +
               rd_kafka_err2str(meta ? meta->err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)};

  for (const auto& record : records) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& [name, value] : headers)
      rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    // Locals, not expressions: the RD_KAFKA_V_* macros do not parenthesise their arguments.
    const void* key = record.key ? record.key->data() : nullptr;
    size_t key_size = record.key ? record.key->size() : 0;
    void* value = record.value ? const_cast<char*>(record.value->data()) : nullptr;
    size_t value_size = record.value ? record.value->size() : 0;
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_VALUE(value, value_size),
          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {  // back-pressure: serve reports, try again
        rd_kafka_poll(rk.get(), 100);
        continue;
      }
      if (err) {
        rd_kafka_headers_destroy(hdrs);  // ownership passes only on success
        throw Fail{"produce to " + topic + ": " + rd_kafka_err2str(err)};
      }
      break;
    }
    rd_kafka_poll(rk.get(), 0);
  }
  rd_kafka_flush(rk.get(), 35000);
  char errstr[512];
  if (rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk.get(), errstr, sizeof errstr))
    throw Fail{std::string("fatal producer error ") + rd_kafka_err2name(fatal) + ": " + errstr};
  if (int left = rd_kafka_outq_len(rk.get()); left > 0)
    throw Fail{std::to_string(left) + " messages still undelivered"};
  std::cerr << "delivered " << tally.delivered << " of " << records.size() << " messages\n";
  return tally.failed == 0 && tally.delivered == static_cast<long>(records.size()) ? 0 : 1;
}

// ---- consume -----------------------------------------------------------------------------


volatile std::sig_atomic_t stop_requested = 0;

int cmd_consume(const Args& args) {
  std::string topic = args.required("--topic");
  bool from_beginning = args.has("--from-beginning");
  long max_messages = args.number("--max", -1);
  long idle_timeout_ms = args.number("--timeout-ms", 5000);
  auto group = args.get("--group");

  rd_kafka_conf_t* conf = base_conf(args);
  // librdkafka refuses even a plain assign without a group.id; an assign-only reader never
  // joins or commits, so any unique name will do.
  set(conf, "group.id", group.value_or("hookd-kafka-cli-" + std::to_string(getpid())));
  set(conf, "enable.auto.commit", "false");
  set(conf, "auto.offset.reset", from_beginning ? "earliest" : "latest");
  set(conf, "partition.assignment.strategy", "range");
  set(conf, "session.timeout.ms", "6000");
  set(conf, "heartbeat.interval.ms", "1000");
  set(conf, "fetch.wait.max.ms", "100");
  auto rk = make_client(RD_KAFKA_CONSUMER, conf);
  args.reject_unknown();
  rd_kafka_poll_set_consumer(rk.get());

  auto* partitions = rd_kafka_topic_partition_list_new(1);
  std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>
      partitions_owner(partitions, rd_kafka_topic_partition_list_destroy);
  if (group) {
    rd_kafka_topic_partition_list_add(partitions, topic.c_str(), RD_KAFKA_PARTITION_UA);
    check(rd_kafka_subscribe(rk.get(), partitions), "subscribe");
  } else {
    auto md = fetch_metadata(rk.get(), 10000);
    const auto* meta = find_topic(*md, topic);
    if (!meta || meta->err)
      throw Fail{"topic " + topic + ": " + rd_kafka_err2str(meta ? meta->err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)};
    for (int i = 0; i < meta->partition_cnt; ++i)
      rd_kafka_topic_partition_list_add(partitions, topic.c_str(), meta->partitions[i].id)->offset =
          from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    check(rd_kafka_assign(rk.get(), partitions), "assign");
  }

  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  long consumed = 0;
  int status = 0;
  auto last_activity = std::chrono::steady_clock::now();
  while (!stop_requested && (max_messages < 0 || consumed < max_messages)) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk.get(), 100);
    if (!message) {
      auto idle = std::chrono::steady_clock::now() - last_activity;
      if (idle > std::chrono::milliseconds(idle_timeout_ms)) break;
      continue;
    }
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> owner(
        message, rd_kafka_message_destroy);
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (message->err) {
      std::cerr << "consume: " << rd_kafka_message_errstr(message) << '\n';
      if (message->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
          message->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
          message->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) {
        status = 1;
        break;
      }
      continue;
    }
    std::cout << message_json(*message) << '\n' << std::flush;
    ++consumed;
    last_activity = std::chrono::steady_clock::now();
    if (group) check(rd_kafka_commit_message(rk.get(), message, 0), "commit");
  }
  // Leaves the group cleanly (sync commits are already done) so a rerun rejoins at once.
  rd_kafka_consumer_close(rk.get());
  std::cerr << "consumed " << consumed << " messages\n";
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Args args(argc, argv);
    if (args.has("--help") || args.positional().empty()) {
      std::cout << kUsage;
      return args.has("--help") ? 0 : 2;
    }
    const std::string& command = args.positional()[0];
    if (command != "create-topic" && args.positional().size() > 1)
      throw UsageError{"unexpected argument " + args.positional()[1]};
    if (command == "metadata") return cmd_metadata(args);
    if (command == "create-topic") return cmd_create_topic(args);
    if (command == "produce") return cmd_produce(args);
    if (command == "consume") return cmd_consume(args);
    throw UsageError{"unknown command " + command};
  } catch (const UsageError& error) {
    std::cerr << "hookd-kafka: " << error.message << "\n\n" << kUsage;
    return 2;
  } catch (const Fail& failure) {
    std::cerr << "hookd-kafka: " << failure.message << '\n';
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "hookd-kafka: " << error.what() << '\n';
    return 1;
  }
}
