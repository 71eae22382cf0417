#include "signing/base64.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace hookd::signing {
namespace {

// RFC 4648 section 10 test vectors.
const std::pair<std::string, std::string> kRfcVectors[] = {
    {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

TEST(Base64, EncodesRfcVectors) {
  for (const auto& [plain, encoded] : kRfcVectors) EXPECT_EQ(base64_encode(plain), encoded) << plain;
}

TEST(Base64, DecodesRfcVectors) {
  for (const auto& [plain, encoded] : kRfcVectors) EXPECT_EQ(base64_decode(encoded), plain) << encoded;
}

TEST(Base64, DecodesIntoABufferAsIntoAString) {
  for (const auto& [plain, encoded] : kRfcVectors) {
    std::array<char, 8> out{};
    const auto size = base64_decode_into(encoded, out);
    ASSERT_TRUE(size.has_value()) << encoded;
    EXPECT_EQ(std::string_view(out.data(), *size), plain);
  }
  std::array<char, 8> out{};
  EXPECT_FALSE(base64_decode_into("Zm9v!mFy", out).has_value());  // invalid text
  std::array<char, 5> short_out{};
  EXPECT_FALSE(base64_decode_into("Zm9vYmFy", short_out).has_value());  // may need 6 bytes
}

TEST(Base64, AppendKeepsExistingText) {
  std::string out = "v1,";
  const unsigned char bytes[] = {0xff, 0x00, 0x10};
  append_base64(out, bytes);
  EXPECT_EQ(out, "v1,/wAQ");
}

TEST(Base64, AcceptsMissingPadding) {
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
}

TEST(Base64, RoundTripsEveryByteValueAndLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    const std::string encoded = base64_encode(bytes);
    EXPECT_EQ(encoded.size() % 4, 0u);
    EXPECT_EQ(base64_decode(encoded), bytes) << "length " << bytes.size();
    bytes.push_back(static_cast<char>((i * 37 + 11) & 0xff));
  }
}

TEST(Base64, RefusesMalformedText) {
  for (const char* bad : {"Z", "Zg=", "Zg===", "=Zg=", "Z=g=", "Zm9v YmFy", "Zm9v\n", "Zm-v", "Zm_v",
                          "Zh==", "Zm9=", "====", "Zm9v====", "é"}) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace hookd::signing
