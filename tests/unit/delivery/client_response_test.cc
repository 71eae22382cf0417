// What the client keeps from a response besides its status: the Retry-After wait and the
// first bytes of the body (attempt history for dead letters), through a real TLS receiver.
#include <ctime>
#include <string>

#include <gmock/gmock.h>

#include "client_fixture.h"
#include "delivery/retry_after.h"

namespace hookd::delivery {
namespace {

using ::testing::AllOf;
using ::testing::Ge;
using ::testing::Le;
using ::testing::Optional;

Behaviour answer(int status, std::string body = {}, std::vector<std::pair<std::string, std::string>> headers = {}) {
  Behaviour b = Behaviour::respond(status);
  b.body = std::move(body);
  b.headers = std::move(headers);
  return b;
}

Behaviour with_retry_after(int status, std::string value) { return answer(status, {}, {{"Retry-After", std::move(value)}}); }

// An IMF-fixdate for `when`, as a server would write it.
std::string http_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, n);
}

// A body whose every prefix is distinct, so a wrong offset or a missing chunk shows.
std::string numbered_body(std::size_t size) {
  std::string body;
  for (int i = 0; body.size() < size; ++i) body += std::to_string(i) + ",";
  body.resize(size);
  return body;
}

TEST_F(ClientTest, RetryAfterSecondsOn429) {
  auto receiver = start_receiver();
  receiver->enqueue(with_retry_after(429, "120"));
  start_client();
  const Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::status_4xx) << describe(o);
  EXPECT_EQ(o.http_status, 429);
  EXPECT_THAT(o.retry_after, Optional(std::chrono::seconds(120)));
}

TEST_F(ClientTest, RetryAfterHttpDateOn503) {
  auto receiver = start_receiver();
  receiver->enqueue(with_retry_after(503, http_date(std::chrono::system_clock::now() + 1h)));
  receiver->enqueue(with_retry_after(503, "Sun, 06 Nov 1994 08:49:37 GMT"));
  start_client();

  Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::status_5xx) << describe(o);
  EXPECT_EQ(o.http_status, 503);
  // The date has whole seconds, rounded down from "now + 1 h"; the answer is rounded up.
  EXPECT_THAT(o.retry_after, Optional(AllOf(Ge(std::chrono::seconds(3590)), Le(std::chrono::seconds(3600)))));

  o = send(receiver->url("/"));
  EXPECT_EQ(o.http_status, 503);
  EXPECT_THAT(o.retry_after, Optional(std::chrono::seconds(0))) << "a date in the past means now";
}

TEST_F(ClientTest, RetryAfterIsReportedWhateverTheStatusAndIgnoredWhenInvalid) {
  auto receiver = start_receiver();
  receiver->enqueue(with_retry_after(200, "5"));
  receiver->enqueue(with_retry_after(503, "in a while"));
  receiver->enqueue(answer(503));
  receiver->enqueue(with_retry_after(429, "99999999"));
  start_client();

  Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  EXPECT_THAT(o.retry_after, Optional(std::chrono::seconds(5))) << "the caller decides which statuses matter";
  o = send(receiver->url("/"));
  EXPECT_EQ(o.http_status, 503);
  EXPECT_EQ(o.retry_after, std::nullopt);
  o = send(receiver->url("/"));
  EXPECT_EQ(o.http_status, 503);
  EXPECT_EQ(o.retry_after, std::nullopt) << "absent";
  o = send(receiver->url("/"));
  EXPECT_THAT(o.retry_after, Optional(max_retry_after));
}

TEST_F(ClientTest, ExcerptIsTheFirstKibOfALongBody) {
  auto receiver = start_receiver();
  const std::string body = numbered_body(10000);
  receiver->set_default(answer(500, body));
  start_client();
  const Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::status_5xx) << describe(o);
  ASSERT_EQ(o.response_excerpt.size(), 1024u);
  EXPECT_EQ(o.response_excerpt, body.substr(0, 1024));

  // The whole body (within max_response_bytes) was still read: the connection is reused.
  EXPECT_EQ(send(receiver->url("/")).response_excerpt, body.substr(0, 1024));
  EXPECT_EQ(receiver->connections_accepted(), 1u);
}

TEST_F(ClientTest, ExcerptIsTheExactBytesOfAShortBody) {
  auto receiver = start_receiver();
  std::string body = "{\"error\":\"bad\"}\r\n";
  body += '\0';  // bytes as received, binary included
  body += '\xff';
  receiver->enqueue(answer(400, body));
  receiver->enqueue(answer(200, numbered_body(1024)));
  receiver->enqueue(answer(200, numbered_body(1025)));
  receiver->enqueue(answer(204));
  start_client();

  Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.http_status, 400);
  EXPECT_EQ(o.response_excerpt, body);
  EXPECT_EQ(send(receiver->url("/")).response_excerpt, numbered_body(1024));
  EXPECT_EQ(send(receiver->url("/")).response_excerpt, numbered_body(1024));
  o = send(receiver->url("/"));
  EXPECT_EQ(o.http_status, 204);
  EXPECT_EQ(o.response_excerpt, "");
  EXPECT_EQ(receiver->connections_accepted(), 1u) << "each excerpt is its own response's, on one connection";
}

TEST_F(ClientTest, ExcerptOfABodyOverTheLimitIsKeptAndTheConnectionDropped) {
  auto receiver = start_receiver();
  Behaviour huge = Behaviour::respond(502);
  huge.body_size = 20 * 1024 * 1024;
  receiver->enqueue(huge);
  receiver->enqueue(answer(500, numbered_body(5000)));
  ClientOptions options = this->options();
  options.max_response_bytes = 4096;
  start_client(options);

  const Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.result, AttemptResult::status_5xx) << describe(o);
  EXPECT_EQ(o.response_excerpt, std::string(1024, 'x'));
  const Outcome o2 = send(receiver->url("/"));
  EXPECT_EQ(o2.response_excerpt, numbered_body(1024));
  EXPECT_EQ(receiver->connections_accepted(), 2u) << "a body over the limit is not read to its end";
}

TEST_F(ClientTest, ExcerptNeverExceedsMaxResponseBytes) {
  auto receiver = start_receiver();
  const std::string body = numbered_body(500);
  receiver->set_default(answer(500, body));
  ClientOptions options = this->options();
  options.max_response_bytes = 100;
  start_client(options);
  const Outcome o = send(receiver->url("/"));
  EXPECT_EQ(o.http_status, 500);
  EXPECT_EQ(o.response_excerpt, body.substr(0, 100));
}

TEST_F(ClientTest, NoResponseMeansNoExcerptAndNoRetryAfter) {
  auto receiver = start_receiver();
  receiver->enqueue(Behaviour::close_without_answer());
  receiver->enqueue(Behaviour::hang());
  ClientOptions options = this->options();
  options.request_timeout = 300ms;
  start_client(options);
  const std::string request_body = numbered_body(3000);

  Outcome o = send(receiver->url("/"), request_body);
  EXPECT_EQ(o.result, AttemptResult::protocol_error) << describe(o);
  EXPECT_EQ(o.response_excerpt, "");
  EXPECT_EQ(o.retry_after, std::nullopt);

  o = send(receiver->url("/"), request_body);
  EXPECT_EQ(o.result, AttemptResult::timeout) << describe(o);
  EXPECT_EQ(o.response_excerpt, "");
  EXPECT_EQ(o.retry_after, std::nullopt);
}

TEST_F(ClientTest, ExcerptHoldsOnlyResponseBytesNeverTheRequest) {
  auto receiver = start_receiver();
  receiver->set_default(answer(500, "short"));
  start_client();
  const std::string request_body = "secret-request-" + numbered_body(4000);
  const Outcome o = send(receiver->url("/"), request_body, {{"authorization", "Bearer hunter2"}});
  EXPECT_EQ(o.response_excerpt, "short");
}

TEST_F(ClientTest, RefusedRequestHasNoExcerpt) {
  start_client();
  const Outcome o = send("ftp://example.com/x");
  EXPECT_EQ(o.result, AttemptResult::blocked);
  EXPECT_EQ(o.response_excerpt, "");
  EXPECT_EQ(o.retry_after, std::nullopt);
}

}  // namespace
}  // namespace hookd::delivery
