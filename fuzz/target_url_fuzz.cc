// libFuzzer target: webhook URLs as the HTTP client reads them (delivery/target_url.h), and
// the host-and-port texts of the configuration (common/host_port.h: the egress proxy, broker
// lists, listen addresses).
//
// Invariants checked on every URL parse_target_url accepts:
//   - a host: lower case, no trailing dot, a plausible name or an IP literal; a port 1-65535;
//   - a request target rooted at '/' with no byte that could end the request line (no
//     space, no control character);
//   - the origin is "scheme://host:port" (IPv6 in brackets);
//   - idempotence: origin + target parses to the same TargetUrl.
// When libcurl's URL API is there (Debian's libcurl4-openssl-dev), a second parser reads the
// same text and must agree on host, port, path and query, except where noted in
// curl_agrees() below. On proxy and host:port texts: an accepted value has a host and a port
// in range and the same answer twice; a refused one names its problem.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/ip/address.hpp>

#include "common/host_port.h"
#include "delivery/target_url.h"

#if __has_include(<curl/curl.h>)
#include <curl/curl.h>
#define HOOKD_FUZZ_CURL 1
#endif

namespace {

using hookd::delivery::TargetUrl;

// Names the invariant broken before aborting, so a crash report says which one.
#define require(condition) \
  ((condition) ? void() : (std::fprintf(stderr, "invariant broken: %s (line %d)\n", #condition, __LINE__), std::abort()))

bool is_ip_literal(std::string_view host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(host), ec);
  return !ec;
}

bool same_address(std::string_view a, std::string_view b) {
  return boost::asio::ip::make_address(std::string(a)) == boost::asio::ip::make_address(std::string(b));
}

bool same(const TargetUrl& a, const TargetUrl& b) {
  return a.tls == b.tls && a.host == b.host && a.port == b.port && a.target == b.target && a.origin == b.origin;
}

#ifdef HOOKD_FUZZ_CURL
std::string curl_part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, flags) != CURLUE_OK || text == nullptr) return {};
  std::string out(text);
  curl_free(text);
  return out;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// libcurl reads the same URL. Known, accepted differences (the network guard checks every
// address the resolver returns, so none of them reaches an address hookd did not check):
//   - curl refuses some URLs Boost.URL takes (a fragment or query with bytes curl finds odd,
//     an IPv6 literal form it does not know): no comparison then, hookd's reading stands;
//   - curl reads numeric hosts the way inet_aton does ("0x7f.1", "127.1", "2130706433" are
//     127.0.0.1); RFC 3986 and Boost.URL read them as names, which hookd hands to the
//     resolver as names (c-ares refuses them or asks DNS). Such a host is compared only as
//     "curl saw an IPv4 address, hookd a name of digits, dots and hex";
//   - curl writes an IPv6 literal in its canonical form ("::f:ff:7f00:1"), Boost.URL keeps
//     it as written ("::f:ff:127.0.0.1"): compared as addresses;
//   - curl drops a trailing dot only with no other change, and keeps percent-escapes in a
//     host unless asked to decode (done here).
void compare_with_curl(std::string_view text, const TargetUrl& ours) {
  CURLU* url = curl_url();
  const std::string input(text);
  const CURLUcode rc = curl_url_set(url, CURLUPART_URL, input.c_str(), CURLU_PATH_AS_IS | CURLU_NON_SUPPORT_SCHEME);
  if (rc == CURLUE_OK) {
    std::string host = lower(curl_part(url, CURLUPART_HOST, CURLU_URLDECODE));
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (!host.empty() && host.back() == '.') host.pop_back();
    const std::string port = curl_part(url, CURLUPART_PORT, CURLU_DEFAULT_PORT);
    std::string target = curl_part(url, CURLUPART_PATH);
    if (target.empty() || target.front() != '/') target.insert(0, "/");
    char* query = nullptr;
    if (curl_url_get(url, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query != nullptr) {
      target += "?";
      target += query;
      curl_free(query);
    }
    const bool numeric_name = ours.host.find_first_not_of("0123456789abcdefx.") == std::string::npos;
    const bool same_ipv6 = ours.host.find(':') != std::string::npos && is_ip_literal(host) &&
                           is_ip_literal(ours.host) && same_address(host, ours.host);
    if (host != ours.host && !same_ipv6) {
      if (!(numeric_name && is_ip_literal(host))) {
        std::fprintf(stderr, "curl host \"%s\", hookd host \"%s\"\n", host.c_str(), ours.host.c_str());
        require(host == ours.host);
      }
    }
    require(port == std::to_string(ours.port));
    // curl drops an empty query ("?" alone); hookd sends it as it is.
    require(target == ours.target || target + "?" == ours.target);
  }
  curl_url_cleanup(url);
}
#endif

void check_target_url(std::string_view text) {
  const auto parsed = hookd::delivery::parse_target_url(text);
  if (!parsed) return;
  const TargetUrl& u = *parsed;
  require(!u.host.empty() && u.host.back() != '.');
  for (char c : u.host) require(!(c >= 'A' && c <= 'Z'));
  require(hookd::delivery::plausible_host_name(u.host) || is_ip_literal(u.host));
  require(u.port != 0);
  require(!u.target.empty() && u.target.front() == '/');
  for (char c : u.target) require(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
  const bool bracket = u.host.find(':') != std::string::npos;
  require(u.origin == std::string(u.tls ? "https://" : "http://") + (bracket ? "[" : "") + u.host +
                          (bracket ? "]" : "") + ":" + std::to_string(u.port));

  const auto again = hookd::delivery::parse_target_url(u.origin + u.target);
  require(again.has_value() && same(*again, u));
#ifdef HOOKD_FUZZ_CURL
  compare_with_curl(text, u);
#endif
}

void check_host_port(std::string_view text) {
  for (const bool allow_zero : {false, true}) {
    const auto parsed = hookd::common::parse_host_port(text, allow_zero);
    if (const auto* hp = std::get_if<hookd::common::HostPort>(&parsed)) {
      require(!hp->host.empty());
      require(hookd::common::plausible_host_name(hp->host) || is_ip_literal(hp->host));
      require(allow_zero || hp->port != 0);
    } else {
      require(!std::get<std::string>(parsed).empty());
    }
  }
  const auto problem = hookd::common::broker_list_problem(text);
  require(!problem || !problem->empty());
}

void check_proxy(std::string_view text) {
  const auto parsed = hookd::common::parse_http_proxy(text);
  if (const auto* proxy = std::get_if<hookd::common::ProxyAddress>(&parsed)) {
    require(!proxy->host.empty() && proxy->port != 0);
    require(proxy->origin.starts_with("http://"));
    const auto again = hookd::common::parse_http_proxy(proxy->origin);
    const auto* same_proxy = std::get_if<hookd::common::ProxyAddress>(&again);
    require(same_proxy != nullptr && same_proxy->host == proxy->host && same_proxy->port == proxy->port &&
            same_proxy->origin == proxy->origin);
  } else {
    // The problem never repeats the text, which could hold a password. A text may still be
    // part of a fixed message by chance ("ot a URL"): then the same text with every letter
    // shifted must not show in its own problem, as it would if the message echoed its input.
    const std::string& problem = std::get<std::string>(parsed);
    require(!problem.empty());
    if (text.size() >= 8 && problem.find(text) != std::string::npos) {
      std::string shifted(text);
      for (char& c : shifted) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>('a' + (c - 'a' + 1) % 26);
        if (c >= 'A' && c <= 'Z') c = static_cast<char>('A' + (c - 'A' + 1) % 26);
      }
      const auto shifted_parsed = hookd::common::parse_http_proxy(shifted);
      const auto* shifted_problem = std::get_if<std::string>(&shifted_parsed);
      require(shifted == text || shifted_problem == nullptr || shifted_problem->find(shifted) == std::string::npos);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_target_url(text);
  check_proxy(text);
  check_host_port(text);
  return 0;
}
