// libFuzzer target: what a receiver sends back (docs/contract.md, "What hookd reads back"),
// read by delivery::ResponseReader, the code Connection::exchange runs, with the same read
// buffer and limits, from a stream in memory instead of a socket.
//
// Input: byte 0 picks max_response_bytes, byte 1 how the bytes are split into reads and how
// the stream ends (end of stream, a timeout, or the last byte-2 bytes repeated for ever: a
// receiver that never stops), then the receiver's bytes.
// Invariants checked:
//   - memory is bounded: the read buffer never holds more than its maximum, and hookd stops
//     reading after at most header limit + max_response_bytes + framing allowance + two read
//     buffers, even from a receiver that never stops;
//   - the excerpt is at most min(response_excerpt_bytes, max_response_bytes), and the attempt
//     record hookd writes with it (retry records, dead letters) is valid JSON in valid UTF-8;
//   - the status and Retry-After do not depend on how the bytes were split, nor does the
//     result but for when a receiver that goes silent is noticed (see below).
// Boost's assertions are on and go to fuzz/boost_assert_handler.cc, which lets one known Beast
// 1.81 debug assertion through (the reason is there); any other is a finding.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/system/system_error.hpp>
#include <simdjson.h>

#include "delivery/response_reader.h"
#include "delivery/retry_after.h"
#include "retry/records.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using hookd::delivery::PhaseResult;
using hookd::delivery::ResponseReader;

// Names the invariant broken before aborting, so a crash report says which one.
#define require(condition) \
  ((condition) ? void() : (std::fprintf(stderr, "invariant broken: %s (line %d)\n", #condition, __LINE__), std::abort()))

enum class End : std::uint8_t { eof, timeout, endless };

// A SyncReadStream over the receiver's bytes: reads of pseudo-random sizes, then the end.
class MemoryStream {
 public:
  MemoryStream(std::string_view bytes, End end, std::size_t tail, std::uint32_t seed, std::size_t max_read,
               std::size_t read_limit)
      : bytes_(bytes), end_(end), tail_(std::min(tail, bytes.size())), state_(seed | 1), max_read_(max_read),
        read_limit_(read_limit) {}

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    ec = {};
    std::size_t want = next_size();
    std::size_t copied = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b = *it;
      while (b.size() > 0 && want > 0) {
        std::string_view source = available();
        if (source.empty()) break;
        const std::size_t n = std::min({b.size(), want, source.size()});
        std::memcpy(b.data(), source.data(), n);
        b += n;
        want -= n;
        copied += n;
        advance(n);
      }
    }
    delivered_ += copied;
    // hookd must stop asking long before a receiver that never stops runs it out of memory.
    require(delivered_ <= read_limit_);
    if (copied == 0 && available().empty()) {
      ec = end_ == End::timeout ? boost::system::error_code(beast::error::timeout)
                                : boost::system::error_code(boost::asio::error::eof);
    }
    return copied;
  }

  std::size_t delivered() const { return delivered_; }

 private:
  std::string_view available() const {
    if (position_ < bytes_.size()) return bytes_.substr(position_);
    if (end_ == End::endless && tail_ > 0) return bytes_.substr(bytes_.size() - tail_ + repeat_);
    return {};
  }
  void advance(std::size_t n) {
    if (position_ < bytes_.size()) {
      position_ += n;
    } else {
      repeat_ = (repeat_ + n) % tail_;
    }
  }
  std::size_t next_size() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return 1 + state_ % max_read_;
  }

  std::string_view bytes_;
  End end_;
  std::size_t tail_;
  std::uint32_t state_;
  std::size_t max_read_;
  std::size_t read_limit_;
  std::size_t position_ = 0;
  std::size_t repeat_ = 0;
  std::size_t delivered_ = 0;
};

// The same sequence of reads as Connection::exchange_on, synchronously.
PhaseResult read_response(MemoryStream& stream, std::size_t max_response_bytes) {
  beast::flat_buffer buffer{hookd::delivery::response_read_buffer_limit};
  std::array<char, 4096> discard{};  // as Connection::discard_
  ResponseReader reader(max_response_bytes, discard);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'767'225'600));  // 2026-01-01
  boost::system::error_code error;
  while (reader.want_header()) {
    const std::size_t bytes = stream.read_some(reader.header_read_buffer(buffer), error);
    reader.header_input(buffer, error, bytes, now);
    require(buffer.size() <= buffer.max_size() && buffer.capacity() <= buffer.max_size());
  }
  while (reader.want_body()) {
    const std::size_t bytes = http::read_some(stream, buffer, reader.parser(), error);
    require(buffer.size() <= buffer.max_size() && buffer.capacity() <= buffer.max_size());
    reader.body_read(error, bytes);
  }
  return reader.finish(buffer.size());
}

bool valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  static constexpr std::array<std::size_t, 8> kLimits = {1, 7, 100, 1023, 1024, 4096, 20'000, 65'536};
  const std::size_t limit = kLimits[data[0] % kLimits.size()];
  const End end = static_cast<End>((data[1] & 3) % 3);
  const std::size_t tail = data[2];
  static constexpr std::array<std::size_t, 4> kMaxReads = {1, 7, 512, 1 << 16};
  const std::size_t max_read = kMaxReads[(data[1] >> 2) & 3];
  const std::uint32_t seed = data[1] >> 4;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 3), size - 3);

  using namespace hookd::delivery;
  const std::size_t read_limit = response_header_limit + limit + response_framing_allowance + 2 * response_read_buffer_limit;
  MemoryStream stream(bytes, end, tail, seed, max_read, read_limit);
  const PhaseResult r = read_response(stream, limit);

  require(r.response_excerpt.size() <= std::min(response_excerpt_bytes, limit));
  require(r.http_status == 0 || (r.http_status >= 0 && r.http_status <= 999));
  require(!r.retry_after || (*r.retry_after >= std::chrono::seconds(0) && *r.retry_after <= max_retry_after));
  require(valid_utf8(r.error));

  // What hookd records of the attempt: valid JSON, valid UTF-8, whatever the receiver sent.
  const hookd::retry::AttemptRecord attempt{1'767'225'600'000, std::string(to_string(r.result)), r.http_status, 12,
                                            r.error, r.response_excerpt};
  const std::string recorded = hookd::retry::attempts_json({attempt});
  require(valid_utf8(recorded));
  static simdjson::dom::parser json;
  simdjson::dom::element document;
  require(json.parse(recorded).get(document) == simdjson::SUCCESS);

  // The same bytes in the largest reads: the same answer.
  MemoryStream whole(bytes, end, tail, 1, 1 << 16, read_limit);
  const PhaseResult again = read_response(whole, limit);
  require(again.http_status == r.http_status && again.retry_after == r.retry_after);
  // Beast parses a start line or chunk-size line as soon as it can in one buffer, but waits
  // for its end when it arrives in pieces: garbage followed by silence is a protocol_error
  // in one read and a timeout in many. Either way the attempt failed without a usable answer.
  const auto failed_early = [](const PhaseResult& p) {
    return p.result == AttemptResult::timeout || p.result == AttemptResult::protocol_error;
  };
  require(again.result == r.result || (end == End::timeout && failed_early(r) && failed_early(again)));
  return 0;
}
