// A receiver that misbehaves on the wire costs one failed attempt and a bounded amount of
// memory: endless headers, an endless chunk extension, many chunks that are mostly framing, an
// endless trailer. Beast 1.81 bounds none of these on its own, not even the header
// (delivery/response_reader.h).
// The receivers here are raw TCP servers that write exactly the bytes under test.
#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>

#include "client_fixture.h"
#include "delivery/connection.h"

namespace hookd::delivery {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using ::testing::HasSubstr;

// Far more than any bounded client lets through (its own buffers plus the kernel's), far less
// than an unbounded one takes within the fixture's 2 s request timeout on loopback.
constexpr std::size_t kUnboundedBytes = 256u * 1024 * 1024;
constexpr std::size_t kBoundedBytes = 32u * 1024 * 1024;

// Accepts connections on 127.0.0.1, reads each request's header (the client's bodies here are
// small and fit in the same reads), then hands the socket to `respond`, which writes whatever
// it likes. Counts the bytes written to the client, whatever the outcome.
class RawServer {
 public:
  // `respond` writes through `send`, which returns false once the client is gone.
  using Respond = std::function<void(const std::function<bool(std::string_view)>& send)>;

  explicit RawServer(Respond respond) : respond_(std::move(respond)) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~RawServer() {
    stop_ = true;
    // A blocking accept is not woken by closing the acceptor: connect once to end it.
    boost::system::error_code ignored;
    tcp::socket wake(io_);
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }

  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + std::string(path);
  }
  std::size_t bytes_written() const { return written_.load(); }

 private:
  void serve() {
    while (!stop_) {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      asio::streambuf request;
      asio::read_until(socket, request, "\r\n\r\n", ec);
      if (ec) continue;
      respond_([&](std::string_view bytes) {
        if (stop_ || written_.load() >= kUnboundedBytes) return false;
        boost::system::error_code write_error;
        const std::size_t n = asio::write(socket, asio::buffer(bytes.data(), bytes.size()), write_error);
        written_ += n;
        return !write_error;
      });
      socket.close(ec);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  Respond respond_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> written_{0};
  std::thread thread_;
};

// Writes `head`, then `unit` over and over until the client stops reading.
RawServer::Respond endless(std::string head, std::string unit) {
  return [head = std::move(head), unit = std::move(unit)](const auto& send) {
    if (!send(head)) return;
    std::string block;
    while (block.size() < 64 * 1024) block += unit;
    while (send(block)) {
    }
  };
}

TEST_F(ClientTest, EndlessChunkExtensionIsAProtocolErrorWithinBoundedBytes) {
  RawServer server(endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=", "a"));
  start_client();
  const Outcome o = send(server.url());
  EXPECT_EQ(o.result, AttemptResult::protocol_error) << describe(o);
  EXPECT_EQ(o.http_status, 200);
  EXPECT_THAT(o.error, HasSubstr("chunk-size line or the trailer"));
  EXPECT_LT(server.bytes_written(), kBoundedBytes);
}

TEST_F(ClientTest, EndlessHeadersAreAProtocolErrorWithinBoundedBytes) {
  RawServer server(endless("HTTP/1.1 200 OK\r\n", "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"));
  start_client();
  const Outcome o = send(server.url());
  EXPECT_EQ(o.result, AttemptResult::protocol_error) << describe(o);
  EXPECT_EQ(o.http_status, 0) << "the header never ended";
  EXPECT_LT(server.bytes_written(), kBoundedBytes);
}

// Beast 1.81's header_limit counts only the bytes of one parse: once a read ends a byte into
// a field, complete fields are consumed (and kept) as they come. Here Beast's first 512-byte
// read ends one byte into a field, and with 8-byte fields so does every later one
// (response_reader_test.cc): its read_header would read this header until the request timeout.
TEST_F(ClientTest, EndlessShortHeaderFieldsAreAProtocolErrorWithinBoundedBytes) {
  RawServer server(endless("HTTP/1.1 200 OK\r\nX-Pad: 1234567890123\r\n", "X-B: 1\r\n"));
  start_client();
  const Outcome o = send(server.url());
  EXPECT_EQ(o.result, AttemptResult::protocol_error) << describe(o);
  EXPECT_EQ(o.http_status, 0) << "the header never ended";
  EXPECT_LT(server.bytes_written(), kBoundedBytes);
}

// Writes `head` and the first byte of a field, then the rest of that field and the first
// byte of the next, 8 bytes at a time and a little apart, so every read the client makes ends
// one byte into a field however the writes coalesce: the case Beast 1.81's read_header never
// stops (response_reader_test.cc reads the same bytes in memory).
RawServer::Respond header_fields_in_step(std::string head) {
  return [head = std::move(head)](const auto& send) {
    if (!send(head + "X")) return;
    while (send("-B: 1\r\nX")) std::this_thread::sleep_for(std::chrono::microseconds(50));
  };
}

// The egress proxy's answer to CONNECT is read under the same bound as a receiver's
// (delivery/bounded_header.h); with Beast's read_header it was read until the connect timeout.
TEST_F(ClientTest, HeaderFieldsInStepInTheProxysConnectAnswerAreAConnectErrorAtTheHeaderLimit) {
  RawServer proxy(header_fields_in_step("HTTP/1.1 200 Connection established\r\n"));
  ClientOptions o = options();
  o.proxy = proxy.url("");
  start_client(o);
  const Outcome outcome = send("http://127.0.0.1:9/never-reached");
  EXPECT_EQ(outcome.result, AttemptResult::connect_error) << describe(outcome);
  EXPECT_THAT(outcome.error, HasSubstr("CONNECT answer"));
  EXPECT_THAT(outcome.error, HasSubstr("header limit"));
  EXPECT_LT(proxy.bytes_written(), 64u * 1024) << "the header limit is 8 KiB";
}

TEST_F(ClientTest, EndlessTrailerIsAProtocolErrorWithinBoundedBytes) {
  RawServer server(endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n",
                           "X-Trailer: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"));
  start_client();
  const Outcome o = send(server.url());
  EXPECT_EQ(o.result, AttemptResult::protocol_error) << describe(o);
  EXPECT_EQ(o.response_excerpt, "ok");
  EXPECT_LT(server.bytes_written(), kBoundedBytes);
}

// Each chunk stays under the extension and body limits; together they are nearly all framing.
TEST_F(ClientTest, BodyOfManyChunksWithLongExtensionsIsAProtocolErrorWithinBoundedBytes) {
  const std::string chunk = "1;" + std::string(chunk_extension_limit - 1, 'e') + "\r\nx\r\n";
  RawServer server(endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", chunk));
  start_client();
  const Outcome o = send(server.url());
  EXPECT_EQ(o.result, AttemptResult::protocol_error) << describe(o);
  EXPECT_THAT(o.error, HasSubstr("framing"));
  EXPECT_LT(server.bytes_written(), kBoundedBytes);
}

TEST_F(ClientTest, ChunkExtensionOverItsLimitIsAProtocolError) {
  RawServer server([](const auto& send) {
    send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;" + std::string(chunk_extension_limit + 1, 'e') +
         "\r\nok\r\n0\r\n\r\n");
  });
  start_client();
  const Outcome o = send(server.url());
  EXPECT_EQ(o.result, AttemptResult::protocol_error) << describe(o);
  EXPECT_THAT(o.error, HasSubstr("chunk extension"));
}

TEST_F(ClientTest, ChunkedBodyWithShortExtensionsAndTrailerIsFine) {
  RawServer server([](const auto& send) {
    send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
         "3;name=value\r\nabc\r\n2\r\nde\r\n0\r\nX-Checksum: 1\r\n\r\n");
  });
  start_client();
  const Outcome o = send(server.url());
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  EXPECT_EQ(o.response_excerpt, "abcde");
}

}  // namespace
}  // namespace hookd::delivery
