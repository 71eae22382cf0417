#include "delivery/network_guard.h"

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace hookd::delivery {
namespace {

constexpr auto A = AddressVerdict::allowed;
constexpr auto N = AddressVerdict::not_global;
constexpr auto M = AddressVerdict::cloud_metadata;

struct Case {
  const char* address;
  AddressVerdict by_default;              // allow_private_networks: false
  AddressVerdict with_private_networks;   // allow_private_networks: true
};

// Every refused range: the address just before it, its first and last address, and the
// first address after it; registry exceptions inside refused blocks, with their neighbours.
const std::vector<Case> kIpv4Cases = {
    {"0.0.0.0", N, A}, {"0.255.255.255", N, A}, {"1.0.0.0", A, A},
    {"9.255.255.255", A, A}, {"10.0.0.0", N, A}, {"10.255.255.255", N, A}, {"11.0.0.0", A, A},
    {"100.63.255.255", A, A}, {"100.64.0.0", N, A}, {"100.127.255.255", N, A}, {"100.128.0.0", A, A},
    {"126.255.255.255", A, A}, {"127.0.0.0", N, A}, {"127.0.0.1", N, A}, {"127.255.255.255", N, A},
    {"128.0.0.0", A, A},
    {"169.253.255.255", A, A}, {"169.254.0.0", N, A}, {"169.254.255.255", N, A}, {"169.255.0.0", A, A},
    {"172.15.255.255", A, A}, {"172.16.0.0", N, A}, {"172.31.255.255", N, A}, {"172.32.0.0", A, A},
    {"191.255.255.255", A, A}, {"192.0.0.0", N, A}, {"192.0.0.8", N, A}, {"192.0.0.9", A, A},
    {"192.0.0.10", A, A}, {"192.0.0.11", N, A}, {"192.0.0.170", N, A}, {"192.0.0.171", N, A},
    {"192.0.0.255", N, A}, {"192.0.1.0", A, A},
    {"192.0.1.255", A, A}, {"192.0.2.0", N, A}, {"192.0.2.255", N, A}, {"192.0.3.0", A, A},
    {"192.88.98.255", A, A}, {"192.88.99.0", N, A}, {"192.88.99.255", N, A}, {"192.88.100.0", A, A},
    {"192.167.255.255", A, A}, {"192.168.0.0", N, A}, {"192.168.255.255", N, A}, {"192.169.0.0", A, A},
    {"198.17.255.255", A, A}, {"198.18.0.0", N, A}, {"198.19.255.255", N, A}, {"198.20.0.0", A, A},
    {"198.51.99.255", A, A}, {"198.51.100.0", N, A}, {"198.51.100.255", N, A}, {"198.51.101.0", A, A},
    {"203.0.112.255", A, A}, {"203.0.113.0", N, A}, {"203.0.113.255", N, A}, {"203.0.114.0", A, A},
    {"223.255.255.255", A, A}, {"224.0.0.0", N, A}, {"239.255.255.255", N, A},
    {"240.0.0.0", N, A}, {"255.255.255.254", N, A}, {"255.255.255.255", N, A},
    // Special-purpose blocks the registry marks globally reachable (AS112, AMT).
    {"192.31.196.1", A, A}, {"192.52.193.1", A, A}, {"192.175.48.1", A, A},
    // Cloud metadata and credential endpoints, and their neighbours.
    {"169.254.169.254", M, M}, {"169.254.169.253", N, A}, {"169.254.169.255", N, A},
    {"169.254.170.2", M, M}, {"169.254.170.23", M, M}, {"100.100.100.200", M, M},
    {"100.100.100.201", N, A},
    // Public.
    {"8.8.8.8", A, A}, {"1.1.1.1", A, A}, {"93.184.216.34", A, A},
};

const std::vector<Case> kIpv6Cases = {
    {"::", N, A}, {"::1", N, A},
    // IPv4-compatible ::a.b.c.d: deprecated and unrouted, refused whatever it carries.
    {"::2", N, A}, {"::8.8.8.8", N, A}, {"::255.255.255.255", N, A}, {"::169.254.169.254", M, M},
    // IPv4-mapped: judged by the IPv4 address.
    {"::fffe:ffff:ffff", N, A}, {"::ffff:0.0.0.0", N, A}, {"::ffff:8.8.8.8", A, A},
    {"::ffff:127.0.0.1", N, A}, {"::ffff:10.0.0.1", N, A}, {"::ffff:192.0.0.9", A, A},
    {"::ffff:169.254.169.254", M, M}, {"::ffff:255.255.255.255", N, A}, {"::1:0:0:0", N, A},
    // NAT64 well-known prefix: judged by the IPv4 address.
    {"64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", N, A}, {"64:ff9b::", N, A}, {"64:ff9b::8.8.8.8", A, A},
    {"64:ff9b::1.1.1.1", A, A}, {"64:ff9b::10.0.0.1", N, A}, {"64:ff9b::127.0.0.1", N, A},
    {"64:ff9b::169.254.169.254", M, M}, {"64:ff9b::255.255.255.255", N, A}, {"64:ff9b::1:0:0:0", N, A},
    // Local-use NAT64: not global; metadata at any RFC 6052 embedding position still refused.
    {"64:ff9b:1::", N, A}, {"64:ff9b:1::8.8.8.8", N, A}, {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", N, A},
    {"64:ff9b:1::a9fe:a9fe", M, M}, {"64:ff9b:1:a9fe:a9:fe00::", M, M}, {"64:ff9b:2::", N, A},
    // Discard-only.
    {"100::", N, A}, {"100::ffff:ffff:ffff:ffff", N, A}, {"100:0:0:1::", N, A},
    // IETF protocol assignments 2001::/23, with the registry's globally reachable exceptions.
    {"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", A, A}, {"2001::", N, A}, {"2001::1", N, A},
    {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", N, A}, {"2001:200::", A, A},
    {"2001:1::", N, A}, {"2001:1::1", A, A}, {"2001:1::2", A, A}, {"2001:1::3", A, A}, {"2001:1::4", N, A},
    {"2001:2::", N, A}, {"2001:2:ffff:ffff:ffff:ffff:ffff:ffff", N, A},
    {"2001:3::", A, A}, {"2001:3:ffff:ffff:ffff:ffff:ffff:ffff", A, A}, {"2001:4::", N, A},
    {"2001:4:111:ffff:ffff:ffff:ffff:ffff", N, A}, {"2001:4:112::", A, A},
    {"2001:4:112:ffff:ffff:ffff:ffff:ffff", A, A}, {"2001:4:113::", N, A},
    {"2001:10::", N, A}, {"2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", N, A},
    {"2001:20::", A, A}, {"2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", A, A},
    {"2001:30::", A, A}, {"2001:3f:ffff:ffff:ffff:ffff:ffff:ffff", A, A}, {"2001:40::", N, A},
    // Teredo carrying a metadata address as server, or (inverted) as client.
    {"2001:0:a9fe:a9fe::", M, M}, {"2001:0:102:304::5601:5601", M, M},
    // Documentation.
    {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", A, A}, {"2001:db8::", N, A},
    {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", N, A}, {"2001:db9::", A, A},
    {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", A, A}, {"3fff::", N, A},
    {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", N, A}, {"3fff:1000::", A, A},
    // 6to4: judged by the IPv4 address in bits 16-47.
    {"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", A, A}, {"2002::", N, A}, {"2002:808:808::", A, A},
    {"2002:808:808:ffff:ffff:ffff:ffff:ffff", A, A}, {"2002:a00:1::", N, A}, {"2002:7f00:1::1", N, A},
    {"2002:a9fe:a9fe::", M, M}, {"2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", N, A}, {"2003::", A, A},
    // Edges of 2000::/3, the only global unicast block.
    {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", N, A}, {"2000::", A, A},
    {"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", A, A}, {"4000::", N, A},
    // Segment routing SIDs, ULA, link-local, site-local, multicast.
    {"5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", N, A}, {"5f00::", N, A},
    {"5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", N, A},
    {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", N, A}, {"fc00::", N, A},
    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", N, A},
    {"fe80::", N, A}, {"fe80::1%1", N, A}, {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", N, A},
    {"fec0::", N, A}, {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", N, A},
    {"ff00::", N, A}, {"ff02::1", N, A}, {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", N, A},
    // Cloud metadata and credential endpoints, and a neighbour.
    {"fd00:ec2::254", M, M}, {"fd00:ec2::23", M, M}, {"fd00:ec2::253", N, A},
    // Public.
    {"2606:4700::1111", A, A}, {"2606:4700:4700::1111", A, A}, {"2a00:1450:4001:80b::200e", A, A},
};

void check(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(c.address, ec);
    ASSERT_FALSE(ec) << c.address;
    EXPECT_EQ(classify(address, false), c.by_default)
        << c.address << " by default: " << to_string(classify(address, false));
    EXPECT_EQ(classify(address, true), c.with_private_networks)
        << c.address << " with private networks: " << to_string(classify(address, true));
  }
}

TEST(NetworkGuard, Ipv4RangeBoundaries) { check(kIpv4Cases); }

TEST(NetworkGuard, Ipv6RangeBoundariesAndEmbeddedForms) { check(kIpv6Cases); }

// Whatever the embedding, an IPv4 address wrapped in a form that routes to it gets the
// IPv4 address's verdict.
TEST(NetworkGuard, EmbeddedFormsFollowTheIpv4Verdict) {
  for (const Case& c : kIpv4Cases) {
    const auto v4 = boost::asio::ip::make_address_v4(c.address);
    const auto b = v4.to_bytes();
    char nat64[64];
    char six_to_four[64];
    std::snprintf(nat64, sizeof nat64, "64:ff9b::%s", c.address);
    std::snprintf(six_to_four, sizeof six_to_four, "2002:%02x%02x:%02x%02x::1", b[0], b[1], b[2], b[3]);
    const std::string mapped = std::string("::ffff:") + c.address;
    for (const std::string& form : {mapped, std::string(nat64), std::string(six_to_four)}) {
      const auto address = boost::asio::ip::make_address(form);
      EXPECT_EQ(classify(address, false), c.by_default) << form;
      EXPECT_EQ(classify(address, true), c.with_private_networks) << form;
    }
  }
}

TEST(NetworkGuard, VerdictNames) {
  EXPECT_STREQ(to_string(AddressVerdict::allowed), "allowed");
  EXPECT_STREQ(to_string(AddressVerdict::not_global), "not_global");
  EXPECT_STREQ(to_string(AddressVerdict::cloud_metadata), "cloud_metadata");
}

}  // namespace
}  // namespace hookd::delivery
