#include "delivery/request_head.h"

#include <charconv>

namespace hookd::delivery {

namespace {

void append_number(std::string& out, std::size_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

void write_request_head(std::string& out, const TargetUrl& url, const Request& request, std::string_view user_agent) {
  out.clear();
  out.append("POST ").append(url.target).append(" HTTP/1.1\r\nHost: ");
  // As curl sends it: IPv6 literals in brackets, the port only when it is not the scheme's.
  const bool ipv6 = url.host.find(':') != std::string::npos;
  if (ipv6) out.push_back('[');
  out.append(url.host);
  if (ipv6) out.push_back(']');
  if (url.port != (url.tls ? 443 : 80)) {
    out.push_back(':');
    append_number(out, url.port);
  }
  out.append("\r\n");
  out.append(request.headers.wire());
  if (!user_agent.empty() && !request.headers.contains("user-agent")) {
    out.append("User-Agent: ").append(user_agent).append("\r\n");
  }
  out.append("Content-Length: ");
  append_number(out, request.body ? request.body->size() : 0);
  out.append("\r\n\r\n");
}

}  // namespace hookd::delivery
