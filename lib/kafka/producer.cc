#include "kafka/producer.h"

#include <array>
#include <exception>
#include <memory>

#include "common/log.h"

namespace hookd::kafka {
namespace {

// Kafka caps topic names at 249 bytes.
constexpr std::size_t kMaxTopicName = 249;

void run_ack(const Producer::AckCallback& on_ack, rd_kafka_resp_err_t err) {
  // A callback must not unwind into librdkafka's C frames.
  try {
    on_ack(err);
  } catch (const std::exception& e) {
    log::limited(log::Level::error, "kafka.producer.ack", "producer ack callback threw", {{"error", e.what()}});
  } catch (...) {
    log::limited(log::Level::error, "kafka.producer.ack", "producer ack callback threw");
  }
}

}  // namespace

ConfResult producer_conf(const ClientSettings& settings, const ProducerOptions& options) {
  return make_conf(settings,
                   {{"client.id", "hookd-producer"},
                    {"linger.ms", "5"},
                    {"socket.nagle.disable", "true"},
                    {"message.max.bytes", std::to_string(options.max_record_bytes)}},
                   {{"enable.idempotence", "true"},
                    {"acks", "all"},
                    {"message.timeout.ms", std::to_string(options.message_timeout.count())}});
}

Producer::Producer(const ClientSettings& settings, ProducerOptions options) : options_(options) {
  auto conf = conf_or_throw(producer_conf(settings, options_));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::on_delivery);
  rd_kafka_conf_set_error_cb(conf.get(), &Producer::on_error);
  rd_kafka_conf_set_opaque(conf.get(), this);
  handle_ = make_handle(RD_KAFKA_PRODUCER, std::move(conf));
  poll_thread_ = std::thread([this] { poll_loop(); });
}

Producer::~Producer() {
  if (pending() > 0 && !purge(std::chrono::seconds(5))) {
    log::error("kafka producer closed with unacknowledged records", {{"pending", static_cast<long long>(pending())}});
  }
  stopping_.store(true);
  poll_thread_.join();
  // Topic handles go before the client that made them.
  for (auto& [name, topic] : topics_) rd_kafka_topic_destroy(topic);
  // Destroyed here, while the members its callbacks touch are still alive.
  handle_.reset();
}

rd_kafka_topic_t* Producer::topic_handle(std::string_view topic) {
  std::lock_guard lock(topics_mutex_);
  if (auto it = topics_.find(topic); it != topics_.end()) return it->second;
  std::string name(topic);
  rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_.get(), name.c_str(), nullptr);
  if (handle != nullptr) topics_.emplace(std::move(name), handle);
  return handle;
}

void Producer::poll_loop() {
  while (!stopping_.load(std::memory_order_relaxed)) rd_kafka_poll(handle_.get(), 100);
}

void Producer::produce(std::string_view topic, std::string_view key, std::string_view value,
                       const std::vector<Header>& headers, AckCallback on_ack) {
  rd_kafka_topic_t* kafka_topic =
      topic.empty() || topic.size() > kMaxTopicName ? nullptr : topic_handle(topic);
  if (kafka_topic == nullptr) {
    run_ack(on_ack, RD_KAFKA_RESP_ERR__INVALID_ARG);
    return;
  }

  // Owned by librdkafka until the delivery report, which deletes it.
  auto callback = std::make_unique<AckCallback>(std::move(on_ack));
  pending_.fetch_add(1, std::memory_order_relaxed);
  // A record without headers gets no header list: the attempts log writes one record a
  // delivery, and an empty list still costs librdkafka two allocations.
  rd_kafka_headers_t* hdrs = headers.empty() ? nullptr : rd_kafka_headers_new(headers.size());
  for (const auto& h : headers) {
    rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                        static_cast<ssize_t>(h.value.size()));
  }
  // The fields as an array (rd_kafka_produceva) rather than rd_kafka_producev's argument list:
  // the RD_KAFKA_V_* macros are GNU statement expressions, which -Wpedantic refuses under clang
  // (the fuzz preset's compiler). Both calls read the same fields the same way.
  std::array<rd_kafka_vu_t, 6> fields{};
  fields[0].vtype = RD_KAFKA_VTYPE_RKT;
  fields[0].u.rkt = kafka_topic;
  fields[1].vtype = RD_KAFKA_VTYPE_KEY;
  fields[1].u.mem.ptr = key.empty() ? nullptr : const_cast<char*>(key.data());
  fields[1].u.mem.size = key.size();
  fields[2].vtype = RD_KAFKA_VTYPE_VALUE;
  fields[2].u.mem.ptr = const_cast<char*>(value.data() != nullptr ? value.data() : "");
  fields[2].u.mem.size = value.size();
  fields[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  fields[3].u.i = RD_KAFKA_MSG_F_COPY;
  fields[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
  fields[4].u.ptr = callback.get();
  fields[5].vtype = RD_KAFKA_VTYPE_HEADERS;
  fields[5].u.headers = hdrs;
  rd_kafka_error_t* error = rd_kafka_produceva(handle_.get(), fields.data(), hdrs != nullptr ? 6 : 5);
  if (error == nullptr) {
    (void)callback.release();  // the headers and the callback now belong to the record
    return;
  }
  const rd_kafka_resp_err_t err = rd_kafka_error_code(error);
  rd_kafka_error_destroy(error);
  if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);  // not taken on failure
  log::limited(log::Level::warn, "kafka.producer.produce", "cannot queue record",
               {{"topic", topic}, {"error", describe(err)}});
  run_ack(*callback, err);
  acked();
}

bool Producer::purge(std::chrono::milliseconds timeout) {
  rd_kafka_purge(handle_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  // Purged records get their delivery reports on the poll thread's next turn.
  return flush(timeout) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  std::unique_ptr<AckCallback> callback(static_cast<AckCallback*>(message->_private));
  if (callback) run_ack(*callback, message->err);
  self->acked();
}

void Producer::acked() {
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // Taking the lock orders this wake-up after a flush() that checked pending_ and is about to wait.
    { std::lock_guard lock(mutex_); }
    drained_.notify_all();
  }
}

rd_kafka_resp_err_t Producer::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const bool done = drained_.wait_for(lock, timeout, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  return done ? RD_KAFKA_RESP_ERR_NO_ERROR : RD_KAFKA_RESP_ERR__TIMED_OUT;
}

std::string Producer::fatal_reason() const {
  std::lock_guard lock(mutex_);
  return fatal_reason_;
}

void Producer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    std::array<char, 512> text{};
    const rd_kafka_resp_err_t original = rd_kafka_fatal_error(rk, text.data(), text.size());
    {
      std::lock_guard lock(self->mutex_);
      self->fatal_reason_ = describe(original) + ": " + text.data();
    }
    self->fatal_.store(true, std::memory_order_release);
    log::error("kafka producer fatal error", {{"error", describe(original)}, {"reason", text.data()}});
    return;
  }
  log::limited(log::Level::warn, "kafka.producer.error", "kafka producer error",
               {{"error", describe(static_cast<rd_kafka_resp_err_t>(err))}, {"reason", reason}});
}

}  // namespace hookd::kafka
