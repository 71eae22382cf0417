// hookd's TLS stream over its own socket BIO (lib/delivery/tls_stream.h), below the client.
#include "delivery/tls_stream.h"

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

// The BIO says it is a descriptor BIO, so OpenSSL's own lookups (SSL_get_fd) must find the
// socket through it.
TEST(TlsStream, OpenSslFindsTheSocketThroughTheBio) {
  test_support::ReceiverOptions receiver_options;
  receiver_options.certificate = ca().localhost();
  test_support::HttpsReceiver receiver(receiver_options);

  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), receiver.port()});
  asio::ssl::context context = make_client_tls_context(ca().ca_file());
  TlsStream stream(socket, context);
  std::optional<error_code> handshake;
  stream.expires_after(10s);
  stream.async_handshake([&](error_code ec) {
    handshake = ec;
    stream.expires_never();  // or its timer keeps io.run() going
  });
  io.run();
  ASSERT_TRUE(handshake.has_value());
  ASSERT_FALSE(*handshake) << handshake->message();
  EXPECT_EQ(SSL_get_fd(stream.native_handle()), socket.native_handle());
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
