#include "kafka/config.h"

#include <array>
#include <cstdio>
#include <random>
#include <string>

#include "common/log.h"

namespace hookd::kafka {
namespace {

// librdkafka logs from its own threads with syslog levels; hookd's logger is thread-safe.
void log_to_hookd(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  log::Level ours = level <= 3 ? log::Level::error
                    : level == 4 ? log::Level::warn
                    : level <= 6 ? log::Level::info
                                 : log::Level::debug;
  log::limited(ours, std::string("librdkafka.") + facility, "librdkafka",
               {{"client", rd_kafka_name(rk)}, {"facility", facility}, {"text", text}});
}

bool set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value, std::string& error) {
  std::array<char, 512> errstr{};
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr.data(), errstr.size()) != RD_KAFKA_CONF_OK) {
    error = "kafka property '" + name + "': " + errstr.data();
    return false;
  }
  return true;
}

}  // namespace

ConfResult make_conf(const ClientSettings& settings, const std::vector<Property>& defaults,
                     const std::vector<Property>& fixed) {
  ConfResult result;
  ConfPtr conf(rd_kafka_conf_new());
  for (const auto& p : defaults) {
    if (!set(conf.get(), p.name, p.value, result.error)) return result;
  }
  if (!set(conf.get(), "bootstrap.servers", settings.bootstrap_servers, result.error)) return result;
  for (const auto& [name, value] : settings.properties) {
    if (!set(conf.get(), name, value, result.error)) return result;
  }
  for (const auto& p : fixed) {
    if (!set(conf.get(), p.name, p.value, result.error)) return result;
  }
  rd_kafka_conf_set_log_cb(conf.get(), log_to_hookd);
  result.conf = std::move(conf);
  return result;
}

ConfPtr make_conf_or_throw(const ClientSettings& settings, const std::vector<Property>& defaults,
                           const std::vector<Property>& fixed) {
  return conf_or_throw(make_conf(settings, defaults, fixed));
}

ConfPtr conf_or_throw(ConfResult result) {
  if (!result.conf) throw Error(result.error);
  return std::move(result.conf);
}

HandlePtr make_handle(rd_kafka_type_t type, ConfPtr conf) {
  std::array<char, 512> errstr{};
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr.data(), errstr.size());
  if (rk == nullptr) throw Error(std::string("cannot create Kafka client: ") + errstr.data());
  (void)conf.release();  // rd_kafka_new owns the configuration once it succeeded
  return HandlePtr(rk);
}

std::string describe(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2name(err)) + ": " + rd_kafka_err2str(err);
}

namespace {

std::string throwaway_group_id(std::string_view prefix) {
  std::random_device random;
  std::array<char, 20> suffix{};
  std::snprintf(suffix.data(), suffix.size(), "-%08x%08x", random(), random());
  return std::string(prefix) + suffix.data();
}

void on_reader_error(rd_kafka_t* rk, int err, const char* reason, void*) {
  log::limited(log::Level::warn, "kafka.reader.error", "kafka reader error",
               {{"client", rd_kafka_name(rk)}, {"error", describe(static_cast<rd_kafka_resp_err_t>(err))},
                {"reason", reason}});
}

}  // namespace

ConfResult reader_conf(const ClientSettings& settings, const std::string& client_id) {
  return make_conf(settings, {{"client.id", client_id}, {"fetch.error.backoff.ms", "100"}},
                   {{"group.id", throwaway_group_id(client_id)},
                    {"enable.auto.commit", "false"},
                    {"enable.auto.offset.store", "false"},
                    {"enable.partition.eof", "true"},
                    {"auto.offset.reset", "earliest"},
                    {"isolation.level", "read_committed"}});
}

HandlePtr make_reader_handle(const ClientSettings& settings, const std::string& client_id) {
  auto conf = conf_or_throw(reader_conf(settings, client_id));
  rd_kafka_conf_set_error_cb(conf.get(), on_reader_error);
  HandlePtr handle = make_handle(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(handle.get());
  return handle;
}

}  // namespace hookd::kafka
