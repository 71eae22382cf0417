// Network guard: decides whether hookd may connect to a resolved address (SSRF defence).
//
// A webhook URL is chosen by a tenant, so without this guard any tenant could make hookd
// POST to the loopback interface, the cluster's private network or the cloud metadata
// service. The client resolves the host, classifies every address here, and connects only
// to an address that was classified `allowed` (never re-resolving in between, so DNS
// rebinding cannot swap the checked address for another one).
//
// Refused, unless private networks are allowed: every range IANA's IPv4 and IPv6
// Special-Purpose Address Registries mark not globally reachable, plus multicast, and for
// IPv6 everything outside 2000::/3 (the only block IANA allocates as global unicast; the rest
// is reserved, ULA, link-local or multicast). IPv6 forms that carry an IPv4 address
// (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d, 6to4 2002:AABB:CCDD::) are judged
// by that IPv4 address, because that is where the packets go. The deprecated
// IPv4-compatible form ::a.b.c.d is not routed anywhere and is refused.
//
// Cloud metadata and credential endpoints are refused always, even with private networks
// allowed, also when embedded in the forms above: 169.254.169.254 and fd00:ec2::254 (AWS,
// GCP, Azure, OCI instance metadata), 169.254.170.2 (AWS ECS task credentials),
// 169.254.170.23 and fd00:ec2::23 (AWS EKS Pod Identity agent), 100.100.100.200 (Alibaba
// Cloud metadata).
#pragma once

#include <boost/asio/ip/address.hpp>

namespace hookd::delivery {

enum class AddressVerdict {
  allowed,
  not_global,      // special-purpose, private, reserved or multicast: refused by default
  cloud_metadata,  // refused whatever the configuration says
};

// `allow_private_networks` mirrors the config key delivery.allow_private_networks.
AddressVerdict classify(const boost::asio::ip::address& address, bool allow_private_networks);

// A fixed word for logs and dead-letter reasons: "allowed", "not_global", "cloud_metadata".
const char* to_string(AddressVerdict verdict);

}  // namespace hookd::delivery
