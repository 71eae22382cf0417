// The head hookd writes before a request's body: every byte of it, since a receiver's HTTP
// parser (and its signature check) sees exactly these.
#include "delivery/request_head.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace hookd::delivery {
namespace {

Request request_with(std::string body, RequestHeaders headers) {
  return Request{"", std::make_shared<const std::string>(std::move(body)), std::move(headers), {}};
}

TEST(RequestHead, IsTheRequestLineHostTheCallersHeadersUserAgentAndLength) {
  const TargetUrl url = *parse_target_url("https://hooks.example.com/in?x=1");
  std::string head = "left over from the last request";
  write_request_head(head, url, request_with("{\"a\":1}", {{"content-type", "application/json"}, {"webhook-id", "msg_1"}}),
                     "hookd/1");
  EXPECT_EQ(head,
            "POST /in?x=1 HTTP/1.1\r\n"
            "Host: hooks.example.com\r\n"
            "content-type: application/json\r\n"
            "webhook-id: msg_1\r\n"
            "User-Agent: hookd/1\r\n"
            "Content-Length: 7\r\n"
            "\r\n");
}

TEST(RequestHead, HostCarriesAPortThatIsNotTheSchemesAndBracketsAnIpv6Literal) {
  std::string head;
  write_request_head(head, *parse_target_url("http://[::1]:8080"), request_with("", {}), "");
  EXPECT_EQ(head, "POST / HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 0\r\n\r\n");
  write_request_head(head, *parse_target_url("http://example.com:80/a"), request_with("", {}), "");
  EXPECT_EQ(head, "POST /a HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n");
  write_request_head(head, *parse_target_url("https://example.com:8443/a"), request_with("", {}), "");
  EXPECT_EQ(head, "POST /a HTTP/1.1\r\nHost: example.com:8443\r\nContent-Length: 0\r\n\r\n");
}

TEST(RequestHead, TheCallersUserAgentReplacesTheDefault) {
  std::string head;
  write_request_head(head, *parse_target_url("https://example.com/"), request_with("{}", {{"User-Agent", "mine"}}),
                     "hookd/1");
  EXPECT_EQ(head, "POST / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: mine\r\nContent-Length: 2\r\n\r\n");
}

TEST(RequestHead, FramingHeadersAreHookdsWhateverTheirCase) {
  for (const char* name : {"Host", "host", "Content-Length", "CONTENT-LENGTH", "transfer-encoding"}) {
    EXPECT_TRUE(framing_header(name)) << name;
  }
  for (const char* name : {"content-type", "hostname", "x-host", "content-length2"}) {
    EXPECT_FALSE(framing_header(name)) << name;
  }
}

}  // namespace
}  // namespace hookd::delivery
