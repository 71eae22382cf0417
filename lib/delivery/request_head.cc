#include "delivery/request_head.h"

#include <charconv>

#include <boost/beast/core/string.hpp>

namespace hookd::delivery {

namespace {

void append_number(std::string& out, std::size_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

bool framing_header(std::string_view name) {
  using boost::beast::iequals;
  return iequals(name, "host") || iequals(name, "content-length") || iequals(name, "transfer-encoding");
}

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
  bool has_user_agent = false;
  for (const auto& [name, value] : request.headers) {
    append_field(out, name, value);
    if (boost::beast::iequals(name, "user-agent")) has_user_agent = true;
  }
  if (!has_user_agent && !user_agent.empty()) append_field(out, "User-Agent", user_agent);
  out.append("Content-Length: ");
  append_number(out, request.body ? request.body->size() : 0);
  out.append("\r\n\r\n");
}

}  // namespace hookd::delivery
