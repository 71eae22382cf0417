// hookd's TLS stream over its own socket BIO (lib/delivery/tls_stream.h), below the client.
#include "delivery/tls_stream.h"

#include <array>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "delivery/tls_context.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

namespace hookd::delivery {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

test_support::TestCa& ca() {
  static test_support::TestCa instance;
  return instance;
}

// Runs `io` until `done()`, for at most `limit`. Not io.run(): a deadline the stream lifted
// leaves its timer's wait pending until that deadline's time (tls_stream.h).
template <class Done>
void run_until(asio::io_context& io, Done done, std::chrono::steady_clock::duration limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  io.restart();
  while (!done() && io.run_one_until(end) > 0) {
  }
}

// A TLS stream connected to a receiver of its own (which says nothing before a request).
struct ConnectedStream {
  test_support::HttpsReceiver receiver{[] {
    test_support::ReceiverOptions options;
    options.certificate = ca().localhost();
    return options;
  }()};
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
  asio::ssl::context context = make_client_tls_context(ca().ca_file());
  std::optional<TlsStream> stream;

  // The handshake's result.
  error_code connect_and_handshake() {
    socket.connect({asio::ip::make_address("127.0.0.1"), receiver.port()});
    stream.emplace(socket, context);
    std::optional<error_code> handshake;
    stream->expires_after(10s);
    stream->async_handshake([&](error_code ec) { handshake = ec; });
    run_until(io, [&] { return handshake.has_value(); });
    stream->expires_never();
    return handshake.value_or(error_code(asio::error::timed_out));
  }
};

// The BIO says it is a descriptor BIO, so OpenSSL's own lookups (SSL_get_fd) must find the
// socket through it.
TEST(TlsStream, OpenSslFindsTheSocketThroughTheBio) {
  ConnectedStream connected;
  const error_code handshake = connected.connect_and_handshake();
  ASSERT_FALSE(handshake) << handshake.message();
  EXPECT_EQ(SSL_get_fd(connected.stream->native_handle()), connected.socket.native_handle());
}

// The stream moves its deadline timer lazily (a wait pending for an earlier time looks again
// when it fires), so a deadline moved later must not end an operation at the old time, and one
// moved earlier must not wait for the old one.
TEST(TlsStream, AnOperationEndsAtTheDeadlineAsItWasLastSet) {
  ConnectedStream connected;
  const error_code handshake = connected.connect_and_handshake();
  ASSERT_FALSE(handshake) << handshake.message();
  TlsStream& stream = *connected.stream;
  asio::io_context& io = connected.io;

  // How long a read of nothing takes to end, and how it ends.
  std::array<char, 64> buffer{};
  auto read_until_deadline = [&]() -> std::pair<error_code, std::chrono::steady_clock::duration> {
    std::optional<error_code> result;
    const auto started = std::chrono::steady_clock::now();
    stream.async_read_some(asio::buffer(buffer), [&](error_code ec, std::size_t) { result = ec; });
    run_until(io, [&] { return result.has_value(); }, 5s);
    return {result.value_or(error_code(asio::error::would_block)), std::chrono::steady_clock::now() - started};
  };

  stream.expires_after(100ms);
  stream.expires_after(500ms);  // later: the wait armed for 100 ms must look again
  auto [later, later_took] = read_until_deadline();
  EXPECT_EQ(later, boost::beast::error::timeout) << later.message();
  EXPECT_GE(later_took, 450ms);

  stream.expires_after(10s);
  stream.expires_after(100ms);  // earlier: the timer moves
  auto [earlier, earlier_took] = read_until_deadline();
  EXPECT_EQ(earlier, boost::beast::error::timeout) << earlier.message();
  EXPECT_LT(earlier_took, 3s);

  stream.expires_after(100ms);
  stream.expires_never();
  stream.expires_after(500ms);  // lifted, then set again: the wait for 100 ms must not end it
  auto [again, again_took] = read_until_deadline();
  EXPECT_EQ(again, boost::beast::error::timeout) << again.message();
  EXPECT_GE(again_took, 450ms);
  stream.expires_never();
}

// OpenSSL receives on the socket itself: on a socket left blocking (connected without an
// asynchronous operation) that receive would hold the io thread until the peer spoke, and no
// deadline could end it.
TEST(TlsStream, APeerThatNeverAnswersTimesOutEvenOnASocketConnectedBlocking) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket socket(io);
  socket.connect(acceptor.local_endpoint());
  asio::ip::tcp::socket silent_peer = acceptor.accept();  // never says anything

  asio::ssl::context context = make_client_tls_context(ca().ca_file());
  TlsStream stream(socket, context);
  std::promise<error_code> handshake;
  stream.expires_after(200ms);
  // Started on the io thread, which a blocking receive would hold, not on the test's.
  asio::post(io, [&] { stream.async_handshake([&](error_code ec) { handshake.set_value(ec); }); });
  std::thread runner([&] { io.run(); });
  auto result = handshake.get_future();
  const bool answered = result.wait_for(5s) == std::future_status::ready;
  if (!answered) silent_peer.close();  // ends a blocked receive, so the test ends
  runner.join();
  ASSERT_TRUE(answered) << "the handshake blocked the io thread in a receive";
  EXPECT_EQ(result.get(), boost::beast::error::timeout);
}

}  // namespace
}  // namespace hookd::delivery
