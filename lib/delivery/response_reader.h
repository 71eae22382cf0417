// Reading one response to a webhook request: Beast's parser with the limits hookd sets, and
// what hookd keeps of what the receiver sent (status, Retry-After, body excerpt), without the
// socket. Connection::exchange drives it with async reads; the http_response fuzzer drives it
// with the same reads on bytes in memory (fuzz/http_response_fuzz.cc), so both run one piece
// of code over whatever a receiver may send (docs/contract.md, "What hookd reads back").
//
// The caller owns the read buffer (a beast::flat_buffer of response_read_buffer_limit bytes
// at most, connection.h) and does the reads, in this order:
//
//   ResponseReader reader(max_response_bytes, discard);
//   while (reader.want_header())
//     n = stream.read_some(reader.header_read_buffer(buffer))  ->  reader.header_input(buffer, error, n, now)
//   while (reader.want_body())
//     http::read_some(stream, buffer, reader.parser())  ->  reader.body_read(error, bytes)
//   reader.finish(buffer.size())
//
// Why the header is not read with Beast's read_header: in Beast 1.81 header_limit bounds only
// the bytes of one put() call, and once a read has ended a byte or three into a field, put()
// consumes (and keeps) every complete field as it comes. A receiver that keeps its fields in
// step with the reads (8-byte fields fill Beast's 512-byte reads exactly) is never stopped:
// megabytes of fields until the request timeout. The reader hands Beast what is left of the
// limit before each put instead, so the whole header is at most response_header_limit bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/system/error_code.hpp>

#include "delivery/connection.h"

namespace hookd::delivery {

class ResponseReader {
 public:
  // `max_response_bytes` is ClientOptions::max_response_bytes. Body bytes are read into
  // `discard` and dropped but for the excerpt; it must outlive the reader.
  ResponseReader(std::size_t max_response_bytes, std::span<char> discard);
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  // The parser to hand to Beast's read_header and read_some.
  boost::beast::http::response_parser<boost::beast::http::buffer_body>& parser() { return parser_; }

  // True while the header is incomplete and no read or parse failed.
  bool want_header() const { return !header_done_ && !stop_; }
  // Where the next header read goes: free space of `buffer`, as Beast's reads size it.
  boost::asio::mutable_buffer header_read_buffer(boost::beast::flat_buffer& buffer);
  // After one header read put `bytes` there and ended with `error` (eof, a timeout, ...):
  // commits and parses them. `now` dates a Retry-After given as a date.
  void header_input(boost::beast::flat_buffer& buffer, const boost::system::error_code& error, std::size_t bytes,
                    std::chrono::system_clock::time_point now);

  // True while another body read is due; points the parser's body at the discard buffer.
  bool want_body();

  // After one body read ended with `error`, the parser having consumed `bytes`.
  void body_read(const boost::system::error_code& error, std::size_t bytes);

  // What the exchange produced, once want_body() is false or header_read failed. `buffered` is
  // what is left in the read buffer (bytes beyond the response make the connection unusable).
  PhaseResult finish(std::size_t buffered);

  // After finish(): the connection may carry another request.
  bool reusable() const { return reusable_; }

  // Wire bytes of this response the parser consumed (header and body).
  std::size_t wire_bytes() const { return wire_bytes_; }

 private:
  // Beast keeps a reference to the chunk-header callback: it lives as long as the parser.
  std::function<void(std::uint64_t, boost::beast::string_view, boost::system::error_code&)> on_chunk_header_;
  boost::beast::http::response_parser<boost::beast::http::buffer_body> parser_;
  std::span<char> discard_;
  std::size_t limit_;
  std::size_t excerpt_cap_;
  std::size_t wire_cap_ = 0;
  std::size_t wire_bytes_ = 0;  // header bytes until the header is done
  std::size_t room_ = 0;  // discard bytes offered to the last body read
  std::optional<std::uint64_t> announced_;
  std::uint64_t announced_in_chunks_ = 0;  // the sizes of the chunks parsed so far, at most limit_
  bool over_limit_ = false;
  bool header_done_ = false;
  bool extension_too_long_ = false;
  bool body_complete_ = false;
  bool stop_ = false;
  bool reusable_ = false;
  std::string framing_error_;
  PhaseResult result_;
};

}  // namespace hookd::delivery
