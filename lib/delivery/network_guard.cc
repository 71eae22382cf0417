#include "delivery/network_guard.h"

#include <array>
#include <cstdint>

// Ranges follow IANA's IPv4 and IPv6 Special-Purpose Address Registries (the "Globally
// Reachable" column). Each table lists the ranges refused unless private networks are
// allowed; the exceptions the registries mark globally reachable inside a refused block
// are listed separately and checked first.

namespace hookd::delivery {
namespace {

using Bytes6 = std::array<unsigned char, 16>;

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

struct V4Range {
  std::uint32_t base;
  int prefix;
};

constexpr bool in_range(std::uint32_t address, V4Range range) {
  if (range.prefix == 0) return true;
  const int shift = 32 - range.prefix;
  return (address >> shift) == (range.base >> shift);
}

constexpr std::array<V4Range, 17> kNotGlobalV4{{
    {v4(0, 0, 0, 0), 8},          // "this network"
    {v4(10, 0, 0, 0), 8},         // private
    {v4(100, 64, 0, 0), 10},      // shared address space (CGNAT)
    {v4(127, 0, 0, 0), 8},        // loopback
    {v4(169, 254, 0, 0), 16},     // link-local
    {v4(172, 16, 0, 0), 12},      // private
    {v4(192, 0, 0, 0), 24},       // IETF protocol assignments (exceptions below)
    {v4(192, 0, 2, 0), 24},       // documentation TEST-NET-1
    {v4(192, 88, 99, 0), 24},     // deprecated 6to4 relay anycast
    {v4(192, 168, 0, 0), 16},     // private
    {v4(198, 18, 0, 0), 15},      // benchmarking
    {v4(198, 51, 100, 0), 24},    // documentation TEST-NET-2
    {v4(203, 0, 113, 0), 24},     // documentation TEST-NET-3
    {v4(224, 0, 0, 0), 4},        // multicast: never a unicast HTTP peer
    {v4(240, 0, 0, 0), 4},        // reserved
    {v4(255, 255, 255, 255), 32}, // limited broadcast (inside 240/4, listed for clarity)
    {v4(192, 0, 0, 170), 31},     // NAT64/DNS64 discovery (inside 192.0.0.0/24)
}};

// Inside 192.0.0.0/24 the registry marks these two anycast /32s globally reachable.
constexpr std::array<std::uint32_t, 2> kGlobalExceptionsV4{
    v4(192, 0, 0, 9),   // Port Control Protocol anycast
    v4(192, 0, 0, 10),  // TURN anycast
};

constexpr std::array<std::uint32_t, 4> kMetadataV4{
    v4(169, 254, 169, 254),  // AWS, GCP, Azure, OCI instance metadata
    v4(169, 254, 170, 2),    // AWS ECS task credentials
    v4(169, 254, 170, 23),   // AWS EKS Pod Identity agent
    v4(100, 100, 100, 200),  // Alibaba Cloud metadata
};

constexpr Bytes6 v6(std::array<std::uint16_t, 8> groups) {
  Bytes6 bytes{};
  for (std::size_t i = 0; i < 8; ++i) {
    bytes[2 * i] = static_cast<unsigned char>(groups[i] >> 8);
    bytes[2 * i + 1] = static_cast<unsigned char>(groups[i] & 0xff);
  }
  return bytes;
}

struct V6Range {
  Bytes6 base;
  int prefix;
};

bool in_range(const Bytes6& address, const V6Range& range) {
  int bits = range.prefix;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
    if ((address[i] & mask) != (range.base[i] & mask)) return false;
  }
  return true;
}

const std::array<V6Range, 14> kNotGlobalV6{{
    {v6({0, 0, 0, 0, 0, 0, 0, 0}), 128},           // unspecified
    {v6({0, 0, 0, 0, 0, 0, 0, 1}), 128},           // loopback
    {v6({0x64, 0xff9b, 1, 0, 0, 0, 0, 0}), 48},    // local-use NAT64 (operator-defined)
    {v6({0x100, 0, 0, 0, 0, 0, 0, 0}), 64},        // discard-only
    {v6({0x2001, 0, 0, 0, 0, 0, 0, 0}), 23},       // IETF protocol assignments (exceptions below)
    {v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 0}), 32},   // documentation
    {v6({0x3fff, 0, 0, 0, 0, 0, 0, 0}), 20},       // documentation
    {v6({0x5f00, 0, 0, 0, 0, 0, 0, 0}), 16},       // segment routing SIDs
    {v6({0xfc00, 0, 0, 0, 0, 0, 0, 0}), 7},        // unique local
    {v6({0xfe80, 0, 0, 0, 0, 0, 0, 0}), 10},       // link-local
    {v6({0xfec0, 0, 0, 0, 0, 0, 0, 0}), 10},       // deprecated site-local
    {v6({0xff00, 0, 0, 0, 0, 0, 0, 0}), 8},        // multicast
    {v6({0x2001, 0x2, 0, 0, 0, 0, 0, 0}), 48},     // benchmarking (inside 2001::/23)
    {v6({0x2001, 0x10, 0, 0, 0, 0, 0, 0}), 28},    // deprecated ORCHID (inside 2001::/23)
}};

// Inside 2001::/23 the registry marks these globally reachable.
const std::array<V6Range, 7> kGlobalExceptionsV6{{
    {v6({0x2001, 0x1, 0, 0, 0, 0, 0, 0x1}), 128},  // Port Control Protocol anycast
    {v6({0x2001, 0x1, 0, 0, 0, 0, 0, 0x2}), 128},  // TURN anycast
    {v6({0x2001, 0x1, 0, 0, 0, 0, 0, 0x3}), 128},  // DNS-SD service registration anycast
    {v6({0x2001, 0x3, 0, 0, 0, 0, 0, 0}), 32},     // AMT
    {v6({0x2001, 0x4, 0x112, 0, 0, 0, 0, 0}), 48}, // AS112-v6
    {v6({0x2001, 0x20, 0, 0, 0, 0, 0, 0}), 28},    // ORCHIDv2
    {v6({0x2001, 0x30, 0, 0, 0, 0, 0, 0}), 28},    // drone remote ID (DRIP DETs)
}};

const std::array<Bytes6, 2> kMetadataV6{
    v6({0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254}),  // AWS instance metadata
    v6({0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23}),   // AWS EKS Pod Identity agent
};

const V6Range kGlobalUnicast{v6({0x2000, 0, 0, 0, 0, 0, 0, 0}), 3};
const V6Range kIpv4Mapped{v6({0, 0, 0, 0, 0, 0xffff, 0, 0}), 96};
const V6Range kIpv4Compatible{v6({0, 0, 0, 0, 0, 0, 0, 0}), 96};
const V6Range kNat64WellKnown{v6({0x64, 0xff9b, 0, 0, 0, 0, 0, 0}), 96};
const V6Range kNat64LocalUse{v6({0x64, 0xff9b, 1, 0, 0, 0, 0, 0}), 48};
const V6Range k6to4{v6({0x2002, 0, 0, 0, 0, 0, 0, 0}), 16};
const V6Range kTeredo{v6({0x2001, 0, 0, 0, 0, 0, 0, 0}), 32};

std::uint32_t read_v4(const Bytes6& b, std::size_t i0, std::size_t i1, std::size_t i2, std::size_t i3) {
  return v4(b[i0], b[i1], b[i2], b[i3]);
}

bool is_metadata_v4(std::uint32_t address) {
  for (std::uint32_t m : kMetadataV4) {
    if (address == m) return true;
  }
  return false;
}

// A local-use NAT64 prefix inside 64:ff9b:1::/48 may be any of RFC 6052's lengths from /48
// on, and which one is configured cannot be known here: a metadata address at any of the
// possible embedding positions counts.
bool nat64_local_embeds_metadata(const Bytes6& b) {
  return is_metadata_v4(read_v4(b, 6, 7, 9, 10))      // /48
         || is_metadata_v4(read_v4(b, 7, 9, 10, 11))  // /56
         || is_metadata_v4(read_v4(b, 9, 10, 11, 12)) // /64
         || is_metadata_v4(read_v4(b, 12, 13, 14, 15));  // /96
}

AddressVerdict classify_v4(std::uint32_t address, bool allow_private_networks) {
  if (is_metadata_v4(address)) return AddressVerdict::cloud_metadata;
  if (allow_private_networks) return AddressVerdict::allowed;
  for (std::uint32_t exception : kGlobalExceptionsV4) {
    if (address == exception) return AddressVerdict::allowed;
  }
  for (const V4Range& range : kNotGlobalV4) {
    if (in_range(address, range)) return AddressVerdict::not_global;
  }
  return AddressVerdict::allowed;
}

AddressVerdict classify_v6(const Bytes6& b, bool allow_private_networks) {
  for (const Bytes6& m : kMetadataV6) {
    if (b == m) return AddressVerdict::cloud_metadata;
  }
  // Forms whose packets actually go to the embedded IPv4 address: judge that address.
  if (in_range(b, kIpv4Mapped) || in_range(b, kNat64WellKnown)) {
    return classify_v4(read_v4(b, 12, 13, 14, 15), allow_private_networks);
  }
  if (in_range(b, k6to4)) {
    return classify_v4(read_v4(b, 2, 3, 4, 5), allow_private_networks);
  }
  // Deprecated IPv4-compatible ::a.b.c.d (:: and ::1 are caught by the table below).
  const bool compatible = in_range(b, kIpv4Compatible) && read_v4(b, 12, 13, 14, 15) > 1;
  if (compatible && is_metadata_v4(read_v4(b, 12, 13, 14, 15))) return AddressVerdict::cloud_metadata;
  if (in_range(b, kNat64LocalUse) && nat64_local_embeds_metadata(b)) return AddressVerdict::cloud_metadata;
  // Teredo: bytes 4-7 are the server's IPv4 address, 12-15 the client's, inverted.
  if (in_range(b, kTeredo) &&
      (is_metadata_v4(read_v4(b, 4, 5, 6, 7)) || is_metadata_v4(~read_v4(b, 12, 13, 14, 15)))) {
    return AddressVerdict::cloud_metadata;
  }

  if (allow_private_networks) return AddressVerdict::allowed;
  if (compatible) return AddressVerdict::not_global;
  for (const V6Range& exception : kGlobalExceptionsV6) {
    if (in_range(b, exception)) return AddressVerdict::allowed;
  }
  for (const V6Range& range : kNotGlobalV6) {
    if (in_range(b, range)) return AddressVerdict::not_global;
  }
  if (!in_range(b, kGlobalUnicast)) return AddressVerdict::not_global;
  return AddressVerdict::allowed;
}

}  // namespace

AddressVerdict classify(const boost::asio::ip::address& address, bool allow_private_networks) {
  if (address.is_v4()) return classify_v4(address.to_v4().to_uint(), allow_private_networks);
  return classify_v6(address.to_v6().to_bytes(), allow_private_networks);
}

const char* to_string(AddressVerdict verdict) {
  switch (verdict) {
    case AddressVerdict::allowed:
      return "allowed";
    case AddressVerdict::not_global:
      return "not_global";
    case AddressVerdict::cloud_metadata:
      return "cloud_metadata";
  }
  return "unknown";
}

}  // namespace hookd::delivery
