// An owned consumed record (or consumer error event): destroys the librdkafka message
// when it goes out of scope. Destroy every Message before the client that returned it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <librdkafka/rdkafka.h>

namespace hookd::kafka {

class Message {
 public:
  Message() = default;
  explicit Message(rd_kafka_message_t* message) : message_(message) {}

  // False when poll timed out without anything.
  explicit operator bool() const { return message_ != nullptr; }

  // Non-zero for an error event (then topic/partition may be unset and value() holds the
  // error text); RD_KAFKA_RESP_ERR__PARTITION_EOF only for readers that asked for it.
  rd_kafka_resp_err_t error() const { return message_->err; }
  std::string_view error_text() const;

  std::string_view topic() const;
  std::int32_t partition() const { return message_->partition; }
  std::int64_t offset() const { return message_->offset; }
  std::string_view key() const;
  // A null payload (a tombstone on a compacted topic) is not the same as an empty one.
  bool has_value() const { return message_->payload != nullptr; }
  std::string_view value() const;
  // The record's timestamp in ms since the epoch, or -1 when it has none.
  std::int64_t timestamp_ms() const;
  // The last header called `name`; a header with a null value reads as an empty view.
  std::optional<std::string_view> header(std::string_view name) const;

  rd_kafka_message_t* get() const { return message_.get(); }

 private:
  struct Deleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
  };
  std::unique_ptr<rd_kafka_message_t, Deleter> message_;
};

}  // namespace hookd::kafka
