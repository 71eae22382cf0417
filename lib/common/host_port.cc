#include "common/host_port.h"

#include <arpa/inet.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <cctype>
#include <charconv>

namespace hookd::common {
namespace {

std::optional<unsigned> parse_port(std::string_view text, unsigned min) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value < min || value > 65535) return std::nullopt;
  return value;
}

bool is_ipv6_literal(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string origin_text(bool tls, std::string_view host, std::uint16_t port) {
  const bool bracket = host.find(':') != std::string_view::npos;
  std::string out;
  out.reserve(8 + 2 + host.size() + 6);
  out.append(tls ? "https://" : "http://");
  if (bracket) out.push_back('[');
  out.append(host);
  if (bracket) out.push_back(']');
  out.push_back(':');
  out.append(std::to_string(port));
  return out;
}

bool plausible_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

std::variant<HostPort, std::string> parse_host_port(std::string_view text, bool allow_port_zero) {
  if (text.find("://") != std::string_view::npos) return std::string("no scheme is allowed (write host:port)");
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::string("no port");
  HostPort out;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    out.host = std::string(host.substr(1, host.size() - 2));
    if (!is_ipv6_literal(out.host)) return std::string("not an IPv6 address in the brackets");
  } else if (host.find_first_of("[]:") != std::string_view::npos) {
    return std::string("an IPv6 address goes in brackets");
  } else if (host.empty()) {
    return std::string("no host");
  } else if (!plausible_host_name(host)) {
    return std::string("the host is not a valid name or IP address");
  } else {
    out.host = std::string(host);
  }
  const auto port = parse_port(text.substr(colon + 1), allow_port_zero ? 0 : 1);
  if (!port) return std::string(allow_port_zero ? "the port must be 0 to 65535" : "the port must be 1 to 65535");
  out.port = static_cast<std::uint16_t>(*port);
  return out;
}

std::optional<std::string> broker_list_problem(std::string_view list) {
  if (trim(list).empty()) return std::string("no broker");
  std::size_t index = 1;
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view entry = trim(list.substr(0, comma));
    const std::string where = "entry " + std::to_string(index);
    if (entry.empty()) return where + " is empty (a stray comma?)";
    const auto parsed = parse_host_port(entry);
    if (const auto* problem = std::get_if<std::string>(&parsed)) {
      return where + " \"" + std::string(entry) + "\": " + *problem;
    }
    if (comma == std::string_view::npos) return std::nullopt;
    list.remove_prefix(comma + 1);
    ++index;
  }
}

std::variant<ProxyAddress, std::string> parse_http_proxy(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return std::string("not a URL");
  const boost::urls::url_view& view = *parsed;
  // TLS to the proxy would protect nothing the tunnelled TLS does not already protect, and
  // Beast has no TLS-in-TLS stream: only plain http proxies.
  if (view.scheme_id() != boost::urls::scheme::http) {
    return std::string("the scheme must be http (https and socks proxies are not supported)");
  }
  if (!view.has_authority()) return std::string("the host is missing");
  // Proxy authentication is not implemented; credentials would otherwise end up in logs.
  if (view.has_userinfo()) return std::string("credentials in the URL are not supported");

  ProxyAddress out;
  switch (view.host_type()) {
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      out.host = view.host_address();
      break;
    case boost::urls::host_type::name:
      out.host = view.host_address();
      if (!plausible_host_name(out.host)) return std::string("the host is not a valid name or IP address");
      break;
    default:
      return std::string("the host is not a valid name or IP address");
  }
  for (char& c : out.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  // Proxies listen on no standard port (3128, 8080, 8888 are all common): say which one.
  if (!view.has_port() || view.port().empty()) return std::string("the port is required");
  const auto port = parse_port(view.port(), 1);
  if (!port) return std::string("the port must be 1-65535");
  out.port = static_cast<std::uint16_t>(*port);

  if (!(view.encoded_path().empty() || view.encoded_path() == "/") || view.has_query() || view.has_fragment()) {
    return std::string("a path, query or fragment is not allowed");
  }
  out.origin = origin_text(false, out.host, out.port);
  return out;
}

}  // namespace hookd::common
