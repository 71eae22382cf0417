// One step of reading an HTTP header under a total bound, for every header hookd reads from
// the network (a receiver's response, the egress proxy's answer to CONNECT).
//
// Why not Beast's read_header: in Beast 1.81 header_limit bounds only the bytes of one put()
// call, so a peer that keeps short fields in step with the reads is never stopped
// (delivery/response_reader.h tells the whole story). This hands Beast what is left of the
// bound before each put instead.
#pragma once

#include <cstddef>
#include <cstdint>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>

namespace hookd::delivery {

// Parses what `buffer` holds into `parser` with `limit` less `consumed` as its header limit,
// consumes the parsed bytes from `buffer` and adds them to `consumed`. Returns the parser's
// error, except that need_more is no error while the bound is not reached, and header_limit
// once it is.
template <bool isRequest>
boost::system::error_code put_header_bytes(boost::beast::http::basic_parser<isRequest>& parser,
                                           boost::beast::flat_buffer& buffer, std::size_t& consumed,
                                           std::size_t limit) {
  boost::system::error_code error;
  if (buffer.size() == 0) return error;
  parser.header_limit(static_cast<std::uint32_t>(limit - consumed));
  const std::size_t used = parser.put(buffer.data(), error);
  buffer.consume(used);
  consumed += used;
  if (error == boost::beast::http::error::need_more) {
    error = consumed >= limit ? boost::system::error_code(boost::beast::http::error::header_limit)
                              : boost::system::error_code();
  }
  return error;
}

}  // namespace hookd::delivery
