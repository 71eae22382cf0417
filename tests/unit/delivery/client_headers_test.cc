// Header names and values the client refuses to send. The request head is written byte for
// byte (delivery/request_head.h): a CR LF in a value would end that header and start one the
// sender never meant, and the framing headers are hookd's own.
#include <gmock/gmock.h>

#include "client_fixture.h"
#include "delivery/target_url.h"

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

TEST(RequestHeaders, HoldsTheLinesInOrderAsTheyGoOnTheWire) {
  RequestHeaders headers;
  headers.add("webhook-id", "msg_1");
  headers.add("x-empty", "");
  headers.add("x-blue-event", "a: b\tc");  // a colon and a tab in a value are fine
  EXPECT_EQ(headers.wire(), "webhook-id: msg_1\r\nx-empty: \r\nx-blue-event: a: b\tc\r\n");
  EXPECT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers.refusal(), "");
  const std::vector<std::pair<std::string, std::string>> read(headers.begin(), headers.end());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"webhook-id", "msg_1"}, {"x-empty", ""}, {"x-blue-event", "a: b\tc"}};
  EXPECT_EQ(read, expected);
  EXPECT_TRUE(headers.contains("X-Blue-Event"));
  EXPECT_FALSE(headers.contains("x-blue"));
  const RequestHeaders none;
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.begin() == none.end());
}

TEST(RequestHeaders, TheFirstHeaderThatCannotBeSentRefusesTheSetAndIsNotWritten) {
  RequestHeaders injected{{"webhook-id", "msg_1"}, {"x-blue-event", "a\r\nx-injected: yes"}, {"Host", "evil"}};
  EXPECT_EQ(injected.refusal(), "header x-blue-event holds a character that cannot be sent");
  EXPECT_EQ(injected.wire(), "webhook-id: msg_1\r\n");  // nothing from the refused one on
  EXPECT_EQ(injected.size(), 1u);

  EXPECT_EQ(RequestHeaders({{"Content-Length", "5"}}).refusal(), "header Content-Length is written by hookd, not by the caller");
  EXPECT_EQ(RequestHeaders({{"a:b", "1"}}).refusal(), "header name holds a character that cannot be sent");
  EXPECT_EQ(RequestHeaders({{"", "1"}}).refusal(), "header name holds a character that cannot be sent");
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

TEST_F(ClientTest, ARequestCarryingItsUrlSplitIsSentWhereTheSplitSays) {
  auto receiver = start_receiver();
  start_client();
  Request request{"", std::make_shared<const std::string>("{}"), {}, {}};
  request.target = parse_target_url(receiver->url("/split?x=1"));
  auto outcome = post(std::move(request));
  ASSERT_EQ(outcome.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(outcome.get().result, AttemptResult::success_2xx) << "the empty url was not parsed";
  ASSERT_EQ(receiver->request_count(), 1u);
  EXPECT_EQ(receiver->requests()[0].target, "/split?x=1");
}

// Requests that wait in their origin's queue, so `refresh` runs before their attempt.
class RefreshTest : public ClientTest {
 protected:
  // Starts a client with one connection per origin and takes it with a request the receiver
  // answers after 200 ms; the request posted next waits behind it.
  void hold_the_only_connection(HttpsReceiver& receiver) {
    ClientOptions o = options();
    o.max_in_flight_per_origin = 1;
    start_client(o);
    Behaviour slow = Behaviour::respond(200);
    slow.delay = std::chrono::milliseconds(200);
    receiver.enqueue(slow);
    first_ = post(receiver.url("/first"));
  }
  std::future<Outcome> post_refreshed(std::string url, RequestHeaders headers,
                                      std::function<bool(Request&)> refresh) {
    return post(Request{std::move(url), std::make_shared<const std::string>("{}"), std::move(headers), std::move(refresh)});
  }
  static Outcome outcome_of(std::future<Outcome>& future) {
    if (future.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "no outcome within 10 s";
      return Outcome{};
    }
    return future.get();
  }

  std::future<Outcome> first_;
};

TEST_F(RefreshTest, HeaderRewrittenByRefreshIsCheckedToo) {
  auto receiver = start_receiver();
  hold_the_only_connection(*receiver);
  auto second = post_refreshed(receiver->url("/"), {{"x-blue-event", "A"}}, [](Request& r) {
    r.headers = {{"x-blue-event", "A\nB"}};
    return true;
  });
  EXPECT_EQ(outcome_of(first_).result, AttemptResult::success_2xx);
  const Outcome refreshed = outcome_of(second);
  EXPECT_EQ(refreshed.result, AttemptResult::blocked) << describe(refreshed);
  EXPECT_EQ(receiver->request_count(), 1u);
}

TEST_F(RefreshTest, APathAndQueryRewrittenByRefreshAreWhereTheAttemptGoes) {
  auto receiver = start_receiver();
  hold_the_only_connection(*receiver);
  const std::string moved = receiver->url("/new/path?token=2");
  auto second = post_refreshed(receiver->url("/old?token=1"), {}, [moved](Request& r) {
    r.url = moved;
    r.target = parse_target_url(moved);  // a refresh that moves the request gives its parts
    return true;
  });
  EXPECT_EQ(outcome_of(second).result, AttemptResult::success_2xx);
  const auto requests = receiver->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/first");
  EXPECT_EQ(requests[1].target, "/new/path?token=2") << "the attempt went to the URL the request was queued with";
}

TEST_F(RefreshTest, AUrlRewrittenByRefreshToAnotherOriginIsBlocked) {
  auto receiver = start_receiver();
  auto elsewhere = start_receiver();
  hold_the_only_connection(*receiver);
  const std::string other_origin = elsewhere->url("/hook");
  auto second = post_refreshed(receiver->url("/old"), {}, [other_origin](Request& r) {
    r.url = other_origin;
    r.target = parse_target_url(other_origin);
    return true;
  });
  const Outcome outcome = outcome_of(second);
  EXPECT_EQ(outcome.result, AttemptResult::blocked) << describe(outcome);
  EXPECT_EQ(receiver->request_count(), 1u);
  EXPECT_EQ(elsewhere->request_count(), 0u);
}

}  // namespace
}  // namespace hookd::delivery
