// The client against a real TLS receiver: how each kind of answer (or non-answer) is classified.
#include "delivery/client.h"

#include <boost/asio/ip/tcp.hpp>
#include <gmock/gmock.h>

#include "client_fixture.h"

namespace hookd::delivery {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(ClientTest, SuccessDeliversBodyAndHeadersExactly) {
  auto receiver = start_receiver();
  receiver->set_default(Behaviour::respond(204));
  start_client();
  const std::string body = R"({"event":"TODO_CREATED","eventId":"evt_1","n":[1,2,3]})";
  const Outcome o = send(receiver->url("/hooks/blue?token=secret"), body,
                         {{"content-type", "application/json"}, {"webhook-id", "msg_1"}, {"x-blue-attempt", "1"}});
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  EXPECT_EQ(o.http_status, 204);
  EXPECT_TRUE(o.error.empty());
  EXPECT_GT(o.duration.count(), 0);

  ASSERT_EQ(receiver->request_count(), 1u);
  const auto request = receiver->requests().front();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/hooks/blue?token=secret");
  EXPECT_EQ(request.body, body);
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(request.header("webhook-id"), "msg_1");
  EXPECT_EQ(request.header("x-blue-attempt"), "1");
  EXPECT_EQ(request.header("content-length"), std::to_string(body.size()));
  EXPECT_EQ(request.header("user-agent"), "hookd-test/1");
  EXPECT_EQ(request.header("host"), "127.0.0.1:" + std::to_string(receiver->port()));
}

TEST_F(ClientTest, HostNameUsesSniAndNameVerification) {
  auto receiver = start_receiver();
  start_client();
  // "localhost" resolves through /etc/hosts, possibly to ::1 first, where nothing listens:
  // the client must then try the next address.
  const Outcome o = send(receiver->url("/by-name", "localhost"));
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  ASSERT_EQ(receiver->request_count(), 1u);
  EXPECT_EQ(receiver->requests().front().header("host"), "localhost:" + std::to_string(receiver->port()));
}

TEST_F(ClientTest, RedirectIsNotFollowed) {
  auto receiver = start_receiver();
  Behaviour redirect = Behaviour::respond(302);
  redirect.headers = {{"Location", receiver->url("/elsewhere")}};
  receiver->set_default(redirect);
  start_client();
  const Outcome o = send(receiver->url("/hook"));
  EXPECT_EQ(o.result, AttemptResult::status_3xx) << describe(o);
  EXPECT_EQ(o.http_status, 302);
  std::this_thread::sleep_for(100ms);
  ASSERT_EQ(receiver->request_count(), 1u);
  EXPECT_EQ(receiver->requests().front().target, "/hook");
}

TEST_F(ClientTest, ClientAndServerErrorsAreClassifiedByStatus) {
  auto receiver = start_receiver();
  receiver->enqueue(Behaviour::respond(404));
  receiver->enqueue(Behaviour::respond(503));
  receiver->enqueue(Behaviour::respond(200));
  start_client();
  Outcome o = send(receiver->url("/a"));
  EXPECT_EQ(o.result, AttemptResult::status_4xx) << describe(o);
  EXPECT_EQ(o.http_status, 404);
  o = send(receiver->url("/a"));
  EXPECT_EQ(o.result, AttemptResult::status_5xx) << describe(o);
  EXPECT_EQ(o.http_status, 503);
  o = send(receiver->url("/a"));
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  EXPECT_EQ(receiver->connections_accepted(), 1u) << "error statuses keep a keep-alive connection";
}

TEST_F(ClientTest, HangingReceiverTimesOutWithinRequestTimeout) {
  auto receiver = start_receiver();
  receiver->set_default(Behaviour::hang());
  ClientOptions o = options();
  o.request_timeout = 300ms;
  start_client(o);
  const auto before = std::chrono::steady_clock::now();
  const Outcome outcome = send(receiver->url("/slow"));
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_EQ(outcome.result, AttemptResult::timeout) << describe(outcome);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(outcome.http_status, 0);
}

TEST_F(ClientTest, GarbageInsteadOfHttpIsAProtocolError) {
  auto receiver = start_receiver();
  receiver->set_default(Behaviour::garbage());
  start_client();
  const Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::protocol_error) << describe(o);
}

TEST_F(ClientTest, ConnectionClosedWithoutAnswerIsAProtocolError) {
  auto receiver = start_receiver();
  receiver->set_default(Behaviour::close_without_answer());
  start_client();
  const Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::protocol_error) << describe(o);
  EXPECT_EQ(receiver->request_count(), 1u) << "a fresh connection is not retried";
}

TEST_F(ClientTest, RefusedConnectionIsAConnectError) {
  std::uint16_t closed_port = 0;
  {
    boost::asio::io_context scratch;
    boost::asio::ip::tcp::acceptor probe(scratch, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe.local_endpoint().port();
  }
  start_client();
  const Outcome o = send("https://127.0.0.1:" + std::to_string(closed_port) + "/x");
  EXPECT_EQ(o.result, AttemptResult::connect_error) << describe(o);
}

TEST_F(ClientTest, ServerThatNeverStartsTlsTimesOutWithinTheConnectTimeout) {
  // Accepts the TCP connection and never answers the ClientHello: the handshake waits on the
  // socket under the connect deadline (delivery/tls_stream.h), not forever.
  boost::asio::io_context server_io;
  boost::asio::ip::tcp::acceptor acceptor(server_io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  boost::asio::ip::tcp::socket held(server_io);
  acceptor.async_accept(held, [](const boost::system::error_code&) {});
  std::thread server([&] { server_io.run(); });
  ClientOptions o = options();
  o.connect_timeout = 300ms;
  start_client(o);
  const auto before = std::chrono::steady_clock::now();
  const Outcome outcome = send("https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/x");
  const auto took = std::chrono::steady_clock::now() - before;
  server.join();
  EXPECT_EQ(outcome.result, AttemptResult::timeout) << describe(outcome);
  EXPECT_THAT(outcome.error, HasSubstr("TLS handshake timed out"));
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1500ms);
}

TEST_F(ClientTest, ABodyOfManyTlsRecordsArrivesWhole) {
  // 1 MiB is 64 records at least, written one partial write at a time, some of them while
  // the socket's buffer is full.
  auto receiver = start_receiver();
  start_client();
  std::string body(1 << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + (i * 7919) % 26);
  const Outcome o = send(receiver->url("/large"), body, {{"content-type", "application/octet-stream"}});
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  ASSERT_EQ(receiver->request_count(), 1u);
  EXPECT_TRUE(receiver->requests().front().body == body) << "the body arrived altered";
}

TEST_F(ClientTest, UntrustedCertificateIsATlsError) {
  auto receiver = start_receiver(ca().untrusted());
  start_client();
  const Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::tls_error) << describe(o);
  EXPECT_EQ(receiver->request_count(), 0u);
}

TEST_F(ClientTest, CertificateForAnotherNameIsATlsError) {
  auto receiver = start_receiver(ca().wrong_name());
  start_client();
  Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::tls_error) << describe(o);
  o = send(receiver->url("/", "localhost"));
  EXPECT_EQ(o.result, AttemptResult::tls_error) << describe(o);
  EXPECT_EQ(receiver->request_count(), 0u);
}

TEST_F(ClientTest, WithoutTheTestCaTheReceiverIsNotTrusted) {
  auto receiver = start_receiver();
  ClientOptions o = options();
  o.ca_file.clear();  // system CAs only
  start_client(o);
  EXPECT_EQ(send(receiver->url("/")).result, AttemptResult::tls_error);
}

TEST_F(ClientTest, BadCaFileFailsAtConstruction) {
  ClientOptions o = options();
  o.ca_file = ca().dir() + "/does-not-exist.pem";
  EXPECT_THROW(Client(io_, o), std::runtime_error);
}

TEST_F(ClientTest, HugeBodyIsClassifiedByStatusWithoutReadingItAll) {
  auto receiver = start_receiver();
  Behaviour huge_ok = Behaviour::respond(200);
  huge_ok.body_size = 20 * 1024 * 1024;
  Behaviour huge_error = Behaviour::respond(500);
  huge_error.body_size = 20 * 1024 * 1024;
  receiver->enqueue(huge_ok);
  receiver->enqueue(huge_error);
  Behaviour small = Behaviour::respond(200);
  small.body_size = 1000;
  receiver->set_default(small);
  start_client();

  const auto before = std::chrono::steady_clock::now();
  Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::status_5xx) << describe(o);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1500ms);
  EXPECT_EQ(receiver->connections_accepted(), 2u) << "an over-long body closes the connection";

  // A body within the limit is read to its end and the connection is reused.
  EXPECT_EQ(send(receiver->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(send(receiver->url("/")).result, AttemptResult::success_2xx);
  EXPECT_EQ(receiver->connections_accepted(), 3u);
}

TEST_F(ClientTest, ErrorTextNamesTheOriginButNotThePathQueryOrHeaders) {
  auto receiver = start_receiver();
  receiver->set_default(Behaviour::respond(500));
  start_client();
  const Outcome o = send(receiver->url("/private/path?token=hunter2"), "{}", {{"authorization", "Bearer hunter3"}});
  EXPECT_EQ(o.result, AttemptResult::status_5xx);
  EXPECT_THAT(o.error, HasSubstr("https://127.0.0.1:" + std::to_string(receiver->port())));
  EXPECT_THAT(o.error, Not(HasSubstr("/private")));
  EXPECT_THAT(o.error, Not(HasSubstr("hunter")));
}

TEST_F(ClientTest, UnresolvableNameIsADnsError) {
  start_client();
  const Outcome o = send("https://no-such-host.invalid/hook");
  EXPECT_EQ(o.result, AttemptResult::dns_error) << describe(o);
  EXPECT_THAT(o.error, Not(HasSubstr("/hook")));
}

}  // namespace
}  // namespace hookd::delivery
