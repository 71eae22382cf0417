#include "signing/base64.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace hookd::signing {
namespace {

constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr auto kDecode = make_decode_table();

}  // namespace

void append_base64(std::string& out, std::span<const unsigned char> bytes) {
  const std::size_t encoded_size = 4 * ((bytes.size() + 2) / 3);
  const std::size_t old_size = out.size();
  // EVP_EncodeBlock writes a terminating NUL after the padded output: size for it, then drop it.
  out.resize(old_size + encoded_size + 1);
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + old_size),
                                      bytes.data(), static_cast<int>(bytes.size()));
  out.resize(old_size + static_cast<std::size_t>(written));
}

std::string base64_encode(std::span<const unsigned char> bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

std::string base64_encode(std::string_view bytes) {
  return base64_encode(std::span<const unsigned char>(
      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()));
}

namespace {

// Our own decoder rather than EVP_DecodeBlock: that one skips whitespace, accepts bad
// padding and returns the padded length (always a multiple of 3), so callers would have to
// re-validate the input anyway. Calls put(byte) for each decoded byte; false on any violation.
template <class Put>
bool decode(std::string_view text, Put put) {
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  const std::string_view digits = text.substr(0, text.size() - padding);
  if (padding > 0 && text.size() % 4 != 0) return false;  // padding implies full quads
  if (digits.size() % 4 == 1) return false;                // 6 bits cannot make a byte

  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : digits) {
    const std::uint8_t sextet = kDecode[static_cast<unsigned char>(c)];
    if (sextet == kInvalid) return false;  // includes a '=' in the middle
    accumulator = (accumulator << 6) | sextet;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      put(static_cast<char>((accumulator >> bits) & 0xff));
    }
  }
  // Leftover bits of the last partial quad must be zero, or two different texts would
  // decode to the same key.
  return bits == 0 || (accumulator & ((1u << bits) - 1)) == 0;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  if (!decode(text, [&out](char byte) { out.push_back(byte); })) return std::nullopt;
  return out;
}

std::optional<std::size_t> base64_decode_into(std::string_view text, std::span<char> out) {
  if (out.size() < base64_decoded_size_bound(text.size())) return std::nullopt;
  std::size_t size = 0;
  if (!decode(text, [&out, &size](char byte) { out[size++] = byte; })) return std::nullopt;
  return size;
}

}  // namespace hookd::signing
