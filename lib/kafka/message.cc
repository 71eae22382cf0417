#include "kafka/message.h"

#include <cstring>

namespace hookd::kafka {

std::string_view Message::error_text() const {
  if (message_->err == RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  if (message_->payload != nullptr) return {static_cast<const char*>(message_->payload), message_->len};
  return rd_kafka_err2str(message_->err);
}

std::string_view Message::topic() const {
  if (message_->rkt == nullptr) return {};
  return rd_kafka_topic_name(message_->rkt);
}

std::string_view Message::key() const {
  if (message_->key == nullptr) return {};
  return {static_cast<const char*>(message_->key), message_->key_len};
}

std::string_view Message::value() const {
  if (message_->payload == nullptr) return {};
  return {static_cast<const char*>(message_->payload), message_->len};
}

std::int64_t Message::timestamp_ms() const {
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  const std::int64_t ts = rd_kafka_message_timestamp(message_.get(), &type);
  return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts;
}

std::optional<std::string_view> Message::header(std::string_view name) const {
  rd_kafka_headers_t* headers = nullptr;
  // Borrowed: the message keeps ownership of its headers.
  if (rd_kafka_message_headers(message_.get(), &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  std::optional<std::string_view> found;
  const char* header_name = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  // Walking the list instead of rd_kafka_header_get_last avoids building a C string.
  for (std::size_t i = 0;
       rd_kafka_header_get_all(headers, i, &header_name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    if (name == header_name) {
      found = value == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(value), size);
    }
  }
  return found;
}

}  // namespace hookd::kafka
