// The one JSON string writer (log lines, retry records, dead-letter headers): whatever bytes it
// is given, what it writes is a JSON string of valid UTF-8 (docs/contract.md).
#include "common/log.h"
#include "support/utf8_check.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace hookd::log {
namespace {

using test_support::is_valid_utf8;

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

std::string escaped(std::string_view text) {
  std::string out;
  append_json_escaped(out, text);
  return out;
}


// What a JSON reader gets back from the written string; fails the test when it is not JSON.
std::string read_back(std::string_view text) {
  std::string json;
  append_json_string(json, text);
  EXPECT_TRUE(is_valid_utf8(json)) << json;
  boost::system::error_code ec;
  const auto value = boost::json::parse(json, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << json;
  if (ec || !value.is_string()) return "<not a JSON string>";
  return std::string(value.get_string());
}

TEST(JsonString, EscapesQuotesBackslashesAndEveryControlCharacter) {
  EXPECT_EQ(escaped("plain ascii ~"), "plain ascii ~");
  EXPECT_EQ(escaped("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(escaped("\n\r\t"), "\\n\\r\\t");
  EXPECT_EQ(escaped(std::string_view("\0\x01\x1f\x7f", 4)), std::string("\\u0000\\u0001\\u001f\x7f"));
  for (int c = 0; c < 0x20; ++c) {
    const std::string one(1, static_cast<char>(c));
    EXPECT_EQ(read_back(one), one) << c;
  }
}

TEST(JsonString, KeepsWellFormedUtf8AsItIs) {
  for (const std::string text : {"caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80", "\xEF\xBF\xBD",
                                 "\xED\x9F\xBF", "\xEE\x80\x80", "\xF4\x8F\xBF\xBF", "\xE2\x80\xA8"}) {
    EXPECT_EQ(escaped(text), text);
    EXPECT_EQ(read_back(text), text);
  }
}

TEST(JsonString, ReplacesEachIllFormedSequenceWithOneReplacementCharacter) {
  const auto r = [](int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += kReplacement;
    return out;
  };
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"caf\xE9", "caf" + r(1)},                          // Latin-1
      {"\xE2\x82", r(1)},                                  // a three-byte character cut after two
      {"ok \xF0\x9F\x98", "ok " + r(1)},                   // a four-byte character cut after three
      {"\xE2\x82x", r(1) + "x"},                           // cut short, then ASCII
      {"\x80\xBF", r(2)},                                  // lone continuation bytes
      {"\xC0\xAF", r(2)},                                  // overlong '/'
      {"\xC1\xBF", r(2)},                                  // overlong, C1 lead
      {"\xE0\x80\xAF", r(3)},                              // overlong three-byte form
      {"\xF0\x80\x80\xAF", r(4)},                          // overlong four-byte form
      {"\xED\xA0\x80", r(3)},                              // a surrogate (U+D800)
      {"\xF4\x90\x80\x80", r(4)},                          // above U+10FFFF
      {"\xF5\x80", r(2)},                                  // F5..FF never start a character
      {"\xFF\xFE", r(2)},
      {std::string("\x1F\x8B\x08\x00", 4), "\\u001f" + r(1) + "\\u0008\\u0000"},  // gzip magic
  };
  for (const auto& c : cases) {
    EXPECT_EQ(escaped(c.in), c.out) << ::testing::PrintToString(c.in);
    (void)read_back(c.in);
  }
}

TEST(JsonString, AnyBytesAtAllReadBackAsAJsonString) {
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> length(0, 64);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> high(0x80, 0xFF);
  for (int i = 0; i < 5000; ++i) {
    std::string text(static_cast<std::size_t>(length(random)), '\0');
    // Half the strings lean on bytes above 0x7F, where UTF-8 goes wrong.
    for (auto& c : text) c = static_cast<char>(i % 2 ? high(random) : byte(random));
    const std::string back = read_back(text);
    EXPECT_TRUE(is_valid_utf8(back));
    if (is_valid_utf8(text)) {
      EXPECT_EQ(back, text) << "valid UTF-8 comes back unchanged";
    }
  }
}

TEST(JsonString, ValidUtf8OfEveryLengthComesBackUnchanged) {
  std::mt19937 random(7);
  std::uniform_int_distribution<std::uint32_t> code_point(1, 0x10FFFF);
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    for (int k = 0; k < 8; ++k) {
      std::uint32_t cp = code_point(random);
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
      if (cp < 0x80) {
        text += static_cast<char>(cp);
      } else if (cp < 0x800) {
        text += static_cast<char>(0xC0 | (cp >> 6));
        text += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        text += static_cast<char>(0xE0 | (cp >> 12));
        text += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        text += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        text += static_cast<char>(0xF0 | (cp >> 18));
        text += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        text += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        text += static_cast<char>(0x80 | (cp & 0x3F));
      }
    }
    EXPECT_EQ(read_back(text), text);
  }
}

}  // namespace
}  // namespace hookd::log
