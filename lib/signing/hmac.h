// HMAC-SHA256 over a message given in parts, so callers never concatenate
// "<id>.<timestamp>.<body>" into a temporary copy of the body.
#pragma once

#include <array>
#include <initializer_list>
#include <string_view>

namespace hookd::signing {

using Sha256Digest = std::array<unsigned char, 32>;

// HMAC-SHA256(key, parts[0] || parts[1] || ...). Uses a per-thread OpenSSL digest context,
// so it takes no lock and allocates nothing after a thread's first call. Throws
// std::runtime_error only if OpenSSL itself fails (allocation failure), never on input.
Sha256Digest hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts);

}  // namespace hookd::signing
