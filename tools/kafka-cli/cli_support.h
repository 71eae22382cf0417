// Shared pieces of hookd-kafka: command-line parsing, librdkafka handles and the JSON line
// printed per consumed message. Header-only: the tool is one executable (see main.cc).
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookd::kafka_cli {

struct UsageError {
  std::string message;
};

// Command-line: the first word is the command, "--name value" pairs and bare flags follow,
// anything else is positional. Repeated options (--config, --header) keep every value.
class Args {
 public:
  Args(int argc, char** argv) {
    static constexpr std::string_view kFlags[] = {"--from-beginning", "--tombstone", "--help"};
    for (int i = 1; i < argc; ++i) {
      std::string_view arg = argv[i];
      if (!arg.starts_with("--")) {
        positional_.emplace_back(arg);
        continue;
      }
      bool is_flag = false;
      for (auto flag : kFlags) is_flag = is_flag || arg == flag;
      if (is_flag) {
        options_.emplace_back(std::string(arg), "");
        continue;
      }
      if (i + 1 >= argc) throw UsageError{std::string(arg) + " needs a value"};
      options_.emplace_back(std::string(arg), argv[++i]);
    }
  }

  const std::vector<std::string>& positional() const { return positional_; }
  bool has(std::string_view name) const { return get(name).has_value(); }

  std::optional<std::string> get(std::string_view name) const {
    used_.emplace_back(name);
    for (const auto& [key, value] : options_)
      if (key == name) return value;
    return std::nullopt;
  }
  std::vector<std::string> all(std::string_view name) const {
    used_.emplace_back(name);
    std::vector<std::string> values;
    for (const auto& [key, value] : options_)
      if (key == name) values.push_back(value);
    return values;
  }
  std::string required(std::string_view name) const {
    auto value = get(name);
    if (!value) throw UsageError{std::string(name) + " is required"};
    return *value;
  }
  long number(std::string_view name, long fallback) const {
    auto value = get(name);
    if (!value) return fallback;
    try {
      size_t end = 0;
      long parsed = std::stol(*value, &end);
      if (end == value->size()) return parsed;
    } catch (const std::exception&) {
    }
    throw UsageError{std::string(name) + " wants a number, got " + *value};
  }
  // Typos must not pass silently: call after the command read what it knows.
  void reject_unknown() const {
    for (const auto& [key, value] : options_) {
      bool known = false;
      for (const auto& name : used_) known = known || name == key;
      if (!known) throw UsageError{"unknown option " + key};
    }
  }

 private:
  std::vector<std::string> positional_;
  std::vector<std::pair<std::string, std::string>> options_;
  mutable std::vector<std::string> used_;
};

inline std::pair<std::string, std::string> split_pair(const std::string& text, char separator) {
  auto at = text.find(separator);
  if (at == std::string::npos) throw UsageError{"expected k=v, got " + text};
  return {text.substr(0, at), text.substr(at + 1)};
}

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

inline void set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
    throw UsageError{std::string(name) + ": " + errstr};
}

inline rd_kafka_conf_t* base_conf(const Args& args) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", args.required("--bootstrap"));
  set(conf, "client.id", "hookd-kafka-cli");
  // Quick reconnects: start.sh polls a broker that is still opening its port.
  set(conf, "reconnect.backoff.ms", "50");
  set(conf, "reconnect.backoff.max.ms", "500");
  set(conf, "socket.nagle.disable", "true");
  return conf;
}

inline KafkaHandle make_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);  // takes conf on success
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("rd_kafka_new: ") + errstr);
  }
  return KafkaHandle(rk);
}

struct Fail {
  std::string message;
};

inline void check(rd_kafka_resp_err_t err, const std::string& what) {
  if (err) throw Fail{what + ": " + rd_kafka_err2str(err)};
}

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

inline Metadata fetch_metadata(rd_kafka_t* rk, int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  check(rd_kafka_metadata(rk, 1, nullptr, &md, timeout_ms), "metadata");
  return Metadata(md);
}

inline const rd_kafka_metadata_topic_t* find_topic(const rd_kafka_metadata_t& md, const std::string& name) {
  for (int i = 0; i < md.topic_cnt; ++i)
    if (name == md.topics[i].topic) return &md.topics[i];
  return nullptr;
}

// JSON string of arbitrary bytes: valid UTF-8 passes through (control characters escaped),
// invalid sequences become U+FFFD, so every output line stays valid JSON.
inline void append_json_string(std::string& out, const char* data, size_t size) {
  auto bytes = reinterpret_cast<const unsigned char*>(data);
  out += '"';
  for (size_t i = 0; i < size;) {
    unsigned char c = bytes[i];
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Longest valid prefix of a sequence, as Unicode's "maximal subpart" rule (and Python's
    // decode(errors="replace")) has it: a broken sequence becomes one U+FFFD, so output can be
    // compared with what a test computes from the raw bytes.
    size_t length = c >= 0xF5 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    unsigned char low = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;   // no overlongs
    unsigned char high = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;  // no surrogates, <= U+10FFFF
    size_t good = length > 0 ? 1 : 0;
    while (good > 0 && good < length && i + good < size) {
      unsigned char next = bytes[i + good];
      if (next < (good == 1 ? low : 0x80) || next > (good == 1 ? high : 0xBF)) break;
      ++good;
    }
    if (length > 0 && good == length) {
      out.append(data + i, length);
    } else {
      out += "\\ufffd";
    }
    i += good > 0 ? good : 1;
  }
  out += '"';
}

inline void append_json_bytes_or_null(std::string& out, const void* data, size_t size) {
  if (data) {
    append_json_string(out, static_cast<const char*>(data), size);
  } else {
    out += "null";
  }
}

inline std::string message_json(const rd_kafka_message_t& message) {
  std::string out = "{\"partition\":" + std::to_string(message.partition) +
                    ",\"offset\":" + std::to_string(message.offset) + ",\"key\":";
  append_json_bytes_or_null(out, message.key, message.key_len);
  out += ",\"value\":";
  append_json_bytes_or_null(out, message.payload, message.len);
  out += ",\"headers\":{";
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; !rd_kafka_header_get_all(headers, i, &name, &value, &size); ++i) {
      if (i > 0) out += ',';
      append_json_string(out, name, std::strlen(name));
      out += ':';
      append_json_bytes_or_null(out, value, size);
    }
  }
  out += "}}";
  return out;
}

}  // namespace hookd::kafka_cli
