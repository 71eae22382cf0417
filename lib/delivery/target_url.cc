#include "delivery/target_url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <cctype>
#include <charconv>

namespace hookd::delivery {
namespace {

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace


std::optional<TargetUrl> parse_target_url(std::string_view url) {
  // parse_uri, not parse_absolute_uri: a fragment is allowed (and never sent).
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return std::nullopt;
  const boost::urls::url_view& view = *parsed;

  TargetUrl out;
  switch (view.scheme_id()) {
    case boost::urls::scheme::https: out.tls = true; break;
    case boost::urls::scheme::http: out.tls = false; break;
    default: return std::nullopt;
  }
  // Credentials in a webhook URL would be sent nowhere (we do not do Basic auth from URLs)
  // and would leak into places that print origins: refuse them.
  if (!view.has_authority() || view.has_userinfo()) return std::nullopt;

  switch (view.host_type()) {
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      out.host = view.host_address();
      break;
    case boost::urls::host_type::name:
      out.host = view.host_address();
      // "example.com." and "example.com" are one host: one origin (pool, caps), one SNI
      // name, one Host header. Only one dot: "example.com.." has an empty label.
      if (!out.host.empty() && out.host.back() == '.') out.host.pop_back();
      if (!plausible_host_name(out.host) || out.host.back() == '.') return std::nullopt;
      break;
    default:
      return std::nullopt;
  }
  for (char& c : out.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  // After an authority, RFC 3986 allows only an empty path or one starting with '/'. Boost.URL
  // 1.81 accepts more: "http://1.2.3.4.example.com/x" reads as host 1.2.3.4 and path
  // ".example.com/x", so the request would go to an address nobody meant (docs/subscriptions.md).
  if (const std::string_view path = view.encoded_path(); !path.empty() && path.front() != '/') return std::nullopt;

  // "host:" is the scheme's default port (RFC 3986 3.2.3), as for subscriptions
  // (docs/subscriptions.md): a webhook they accept is never refused here.
  if (view.has_port() && !view.port().empty()) {
    const auto port = parse_port(view.port());
    if (!port) return std::nullopt;
    out.port = *port;
  } else {
    out.port = out.tls ? 443 : 80;
  }

  out.target = view.encoded_target();  // path + query, never the fragment
  if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");

  out.origin = common::origin_text(out.tls, out.host, out.port);
  return out;
}

}  // namespace hookd::delivery
