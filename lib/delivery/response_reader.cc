#include "delivery/response_reader.h"

#include <algorithm>
#include <string_view>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>

#include "delivery/bounded_header.h"
#include "delivery/retry_after.h"

namespace hookd::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

AttemptResult classify_status(int status) {
  if (status >= 200 && status < 300) return AttemptResult::success_2xx;
  if (status >= 300 && status < 400) return AttemptResult::status_3xx;
  if (status >= 400 && status < 500) return AttemptResult::status_4xx;
  if (status >= 500 && status < 600) return AttemptResult::status_5xx;
  return AttemptResult::protocol_error;  // 1xx as a final answer or outside 100..599
}

// Appends the start of `bytes` to `excerpt` until it holds `cap` bytes. One allocation at
// most: sized to the announced body when it is shorter than the cap.
void keep_excerpt(std::string& excerpt, std::string_view bytes, std::size_t cap,
                  const std::optional<std::uint64_t>& announced) {
  if (bytes.empty() || excerpt.size() >= cap) return;
  if (excerpt.empty())
    excerpt.reserve(announced ? static_cast<std::size_t>(std::min<std::uint64_t>(cap, *announced)) : cap);
  excerpt.append(bytes.substr(0, cap - excerpt.size()));
}

}  // namespace

ResponseReader::ResponseReader(std::size_t max_response_bytes, std::span<char> discard)
    : discard_(discard), limit_(max_response_bytes), excerpt_cap_(std::min(response_excerpt_bytes, max_response_bytes)) {
  parser_.header_limit(response_header_limit);
  // No limit while the header is read: a Content-Length beyond max_response_bytes is handled
  // once the status and the first body bytes are known.
  parser_.body_limit(boost::none);
  // Beast accepts a chunk extension of any length (bounded only by the read buffer's
  // maximum). hookd uses none: one over chunk_extension_limit is a receiver misbehaving.
  on_chunk_header_ = [this](std::uint64_t size, beast::string_view extensions, error_code& ec) {
    if (extensions.size() > chunk_extension_limit) {
      extension_too_long_ = true;
      ec = http::error::bad_chunk_extension;
    } else if (size > limit_ - announced_in_chunks_) {
      ec = http::error::body_limit;  // what Beast's body limit says of a chunk too long
    } else {
      announced_in_chunks_ += size;
    }
  };
  parser_.on_chunk_header(on_chunk_header_);
}

asio::mutable_buffer ResponseReader::header_read_buffer(beast::flat_buffer& buffer) {
  // As Beast's own reads: up to 64 KiB, never beyond the buffer's maximum (which is above
  // response_header_limit, so the parser stops first).
  return buffer.prepare(beast::read_size(buffer, 65536));
}

void ResponseReader::header_input(beast::flat_buffer& buffer, const error_code& read_error, std::size_t bytes,
                                  std::chrono::system_clock::time_point now) {
  buffer.commit(bytes);
  error_code error = put_header_bytes(parser_, buffer, wire_bytes_, response_header_limit);
  if (!error && !parser_.is_header_done() && bytes == 0 && !read_error) {
    // Nothing read and nothing wrong: the buffer is full of an unfinished field, which can only
    // end beyond the header limit.
    error = http::error::header_limit;
  } else if (!error && !parser_.is_header_done() && read_error) {
    if (read_error == asio::error::eof && parser_.got_some()) {
      parser_.put_eof(error);  // a header cut short: partial_message
      if (!error) error = http::error::partial_message;
    } else if (read_error == asio::error::eof) {
      error = http::error::end_of_stream;
    } else {
      error = read_error;
    }
  }
  if (error) {
    result_ = error == beast::error::timeout
                  ? PhaseResult::failed(AttemptResult::timeout, "waiting for the response timed out")
                  : PhaseResult::failed(AttemptResult::protocol_error, "reading the response failed: " + error.message());
    result_.response_started = parser_.got_some() || buffer.size() > 0;
    stop_ = true;
    return;
  }
  if (!parser_.is_header_done()) return;  // read on
  const std::size_t header_bytes = wire_bytes_;
  header_done_ = true;
  const int status = static_cast<int>(parser_.get().result_int());
  result_.response_started = true;
  result_.http_status = status;
  result_.result = classify_status(status);
  result_.ok = result_.result == AttemptResult::success_2xx;
  if (!result_.ok)
    result_.error = result_.result == AttemptResult::protocol_error ? "unexpected HTTP status " + std::to_string(status)
                                                                    : "HTTP " + std::to_string(status);
  if (const auto retry_after = parser_.get().find(http::field::retry_after); retry_after != parser_.get().end())
    result_.retry_after = parse_retry_after(retry_after->value(), now);

  // The body is read into the discard buffer, keeping its first bytes as the excerpt. Once the
  // status line is in, the status decides the result: a body that is too long, cut short or
  // too slow only costs the connection. A Content-Length beyond the limit is not read past
  // the excerpt; a chunked or close-delimited body is cut by the parser's body limit.
  // Framing that breaks the rules or the limits (a chunk-size line or trailer beyond the read
  // buffer, a long extension, too many framing bytes) is a protocol_error instead: such a
  // receiver can hold a worker's reads for the whole request_timeout on one attempt.
  wire_cap_ = header_bytes + limit_ + response_framing_allowance;
  if (const auto announced = parser_.content_length()) announced_ = *announced;
  over_limit_ = !parser_.is_done() && announced_ && *announced_ > limit_;
  // A chunked body's limit is kept here, once Beast has parsed a whole chunk line (above):
  // Beast 1.81 takes a chunk's size off its body limit before it parses the chunk's
  // extensions, and again each time it parses the line anew because an extension needed more
  // bytes, so a body read in small pieces met a body_limit that the same bytes read at once did
  // not (found by the http_response fuzzer; docs/architecture.md, library gaps).
  if (parser_.chunked()) {
    parser_.body_limit(boost::none);
  } else {
    parser_.body_limit(limit_);
  }
  parser_.eager(true);  // one read_some parses all it buffered: wire_bytes is checked at that pace
  body_complete_ = !over_limit_;
}

bool ResponseReader::want_body() {
  if (stop_ || parser_.is_done()) return false;
  room_ = discard_.size();
  if (over_limit_) {
    room_ = std::min(room_, excerpt_cap_ - result_.response_excerpt.size());
    if (room_ == 0) return false;
  }
  parser_.get().body().data = discard_.data();
  parser_.get().body().size = room_;
  return true;
}

void ResponseReader::body_read(const error_code& error, std::size_t bytes) {
  wire_bytes_ += bytes;
  keep_excerpt(result_.response_excerpt, std::string_view(discard_.data(), room_ - parser_.get().body().size),
               excerpt_cap_, announced_);
  if (wire_bytes_ > wire_cap_) {
    framing_error_ = "the response's framing is over " + std::to_string(response_framing_allowance) + " bytes";
  } else if (extension_too_long_) {
    framing_error_ = "a chunk extension is over " + std::to_string(chunk_extension_limit) + " bytes";
  } else if (error == http::error::buffer_overflow) {
    framing_error_ = "a chunk-size line or the trailer is over " + std::to_string(response_read_buffer_limit) + " bytes";
  } else if (error && error.category() == http::make_error_code(http::error::bad_chunk).category() &&
             error != http::error::need_buffer && error != http::error::partial_message &&
             error != http::error::body_limit && error != http::error::end_of_stream) {
    framing_error_ = "the response body is malformed: " + error.message();
  }
  if (!framing_error_.empty() || (error && error != http::error::need_buffer)) {
    body_complete_ = false;
    stop_ = true;
  }
}

PhaseResult ResponseReader::finish(std::size_t buffered) {
  if (!header_done_) {
    reusable_ = false;
    return std::move(result_);
  }
  if (!framing_error_.empty()) {
    result_.ok = false;
    result_.result = AttemptResult::protocol_error;
    result_.error = "HTTP " + std::to_string(result_.http_status) + ", then " + framing_error_;
  }
  // Bytes beyond the response would be parsed as the next response: never reuse then.
  reusable_ = body_complete_ && parser_.keep_alive() && buffered == 0 && result_.result != AttemptResult::protocol_error;
  return std::move(result_);
}

}  // namespace hookd::delivery
