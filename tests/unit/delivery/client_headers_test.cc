// Header names and values the client refuses to send. The request head is written byte for
// byte (delivery/request_head.h): a CR LF in a value would end that header and start one the
// sender never meant, and the framing headers are hookd's own.
#include <gmock/gmock.h>

#include "client_fixture.h"

namespace hookd::delivery {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HeaderChecks, ValuesWithControlCharactersAreRefused) {
  for (const std::string good : {"", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "v1,abc= v1a,def=", "a\tb", "caf\xc3\xa9"}) {
    EXPECT_TRUE(valid_header_value(good)) << good;
  }
  for (const std::string& bad : {std::string("a\r\nx-injected: 1"), std::string("a\nb"), std::string("a\rb"),
                                std::string("a\0b", 3), std::string("a\x1b"), std::string("a\x7f")}) {
    EXPECT_FALSE(valid_header_value(bad)) << bad;
  }
}

TEST(HeaderChecks, AControlCharacterIsFoundWhereverItIsInALongValue) {
  // The check reads eight bytes at a time, then the tail: every position of both.
  const std::string clean = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=\tcaf\xc3\xa9~";
  ASSERT_TRUE(valid_header_value(clean));
  for (std::size_t at = 0; at < clean.size(); ++at) {
    for (const char bad : {'\r', '\n', '\0', '\x1f', '\x7f'}) {
      std::string value = clean;
      value[at] = bad;
      EXPECT_FALSE(valid_header_value(value)) << "at " << at << ", byte " << int(bad);
    }
    std::string tab = clean;
    tab[at] = '\t';
    EXPECT_TRUE(valid_header_value(tab)) << "a tab at " << at;
  }
}

TEST(HeaderChecks, NamesMustBeTokens) {
  for (const char* good : {"webhook-id", "X-Blue-Event", "x_y", "a!#$%&'*+-.^_`|~1"}) EXPECT_TRUE(valid_header_name(good)) << good;
  for (const char* bad : {"", "a b", "a:b", "a\r\nb", "a\"b", "caf\xc3\xa9"}) EXPECT_FALSE(valid_header_name(bad)) << bad;
}

TEST_F(ClientTest, HeaderValueWithCrLfIsBlockedAndNothingIsSent) {
  auto receiver = start_receiver();
  start_client();
  const Outcome o = send(receiver->url("/"), "{}", {{"webhook-id", "msg_1\r\nx-injected: yes"}});
  EXPECT_EQ(o.result, AttemptResult::blocked) << describe(o);
  EXPECT_THAT(o.error, HasSubstr("header webhook-id"));
  EXPECT_THAT(o.error, Not(HasSubstr("injected"))) << "the value is never repeated";
  EXPECT_EQ(receiver->connections_accepted(), 0u);

  // A clean request right after goes out as usual.
  EXPECT_EQ(send(receiver->url("/"), "{}", {{"webhook-id", "msg_1"}}).result, AttemptResult::success_2xx);
  ASSERT_EQ(receiver->request_count(), 1u);
  EXPECT_FALSE(receiver->requests().front().has_header("x-injected"));
}

TEST_F(ClientTest, AFramingHeaderOfTheCallerIsBlockedAndNothingIsSent) {
  auto receiver = start_receiver();
  start_client();
  for (const char* name : {"Host", "content-length", "Transfer-Encoding"}) {
    const Outcome o = send(receiver->url("/"), "{}", {{name, "chunked"}});
    EXPECT_EQ(o.result, AttemptResult::blocked) << name << ": " << describe(o);
    EXPECT_THAT(o.error, HasSubstr(std::string("header ") + name)) << name;
  }
  EXPECT_EQ(receiver->connections_accepted(), 0u);
}

TEST_F(ClientTest, HeaderRewrittenByRefreshIsCheckedToo) {
  auto receiver = start_receiver();
  receiver->set_default(Behaviour::respond(200));
  ClientOptions o = options();
  o.max_in_flight_per_origin = 1;
  start_client(o);
  receiver->enqueue([] {
    Behaviour slow = Behaviour::respond(200);
    slow.delay = std::chrono::milliseconds(200);
    return slow;
  }());
  auto first = post(receiver->url("/"));
  // Waits behind the first request, so refresh runs before its attempt.
  auto promise = std::make_shared<std::promise<Outcome>>();
  auto second = promise->get_future();
  Request request{receiver->url("/"), std::make_shared<const std::string>("{}"), {{"x-blue-event", "A"}}, {}};
  request.refresh = [](Request& r) {
    r.headers = {{"x-blue-event", "A\nB"}};
    return true;
  };
  client_->post(std::move(request), [promise](Outcome outcome) { promise->set_value(std::move(outcome)); });
  ASSERT_EQ(first.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(first.get().result, AttemptResult::success_2xx);
  ASSERT_EQ(second.wait_for(10s), std::future_status::ready);
  const Outcome refreshed = second.get();
  EXPECT_EQ(refreshed.result, AttemptResult::blocked) << describe(refreshed);
  EXPECT_EQ(receiver->request_count(), 1u);
}

}  // namespace
}  // namespace hookd::delivery
