// Standard base64 (RFC 4648 section 4, alphabet A-Z a-z 0-9 + /) for signature headers
// and `whsec_` secrets.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hookd::signing {

// Padded base64 of `bytes`.
std::string base64_encode(std::span<const unsigned char> bytes);
std::string base64_encode(std::string_view bytes);

// Appends the padded base64 of `bytes` to `out` (no temporary string).
void append_base64(std::string& out, std::span<const unsigned char> bytes);

// Strict decode: standard alphabet only, no whitespace, '=' only as trailing padding.
// Padding may be omitted (some secret generators strip it), but a length that leaves a
// single dangling character is refused. nullopt on any violation.
std::optional<std::string> base64_decode(std::string_view text);

// At most how many bytes base64_decode gives for a text of `text_size` characters.
constexpr std::size_t base64_decoded_size_bound(std::size_t text_size) { return (text_size + 3) / 4 * 3; }

// The same decode into `out` without allocating: the decoded size, or nullopt when the text
// is not valid base64 or `out` holds fewer than base64_decoded_size_bound(text.size()) bytes.
std::optional<std::size_t> base64_decode_into(std::string_view text, std::span<char> out);

}  // namespace hookd::signing
