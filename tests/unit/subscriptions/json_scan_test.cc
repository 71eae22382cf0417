// The strict first pass over a subscription record (subscriptions/json_scan.h): repeated keys at
// every depth and object size, and the compact rendering without the secrets.
#include <string>

#include <gtest/gtest.h>

#include "subscriptions/json_scan.h"

namespace hookd::subscriptions::detail {
namespace {

// {"k0":0,"k1":1,...} with `count` keys, then `tail` inside the same object.
std::string object_of(int count, const std::string& tail = "") {
  std::string text = "{";
  for (int i = 0; i < count; ++i) {
    if (i > 0) text += ',';
    text += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  if (!tail.empty()) text += (count > 0 ? "," : "") + tail;
  return text + "}";
}

TEST(ScanJson, ARepeatedKeyIsFoundInObjectsOfEverySize) {
  // From one key to a thousand, the repeat first, in the middle and last.
  for (const int count : {1, 2, 14, 15, 16, 17, 40, 1000}) {
    for (const int repeated : {0, count / 2, count - 1}) {
      const ScanResult result = scan_json(object_of(count, "\"k" + std::to_string(repeated) + "\":true"));
      EXPECT_EQ(result.status, ScanStatus::duplicate_key) << count << " keys, k" << repeated << " again";
      EXPECT_EQ(result.duplicate_key, "k" + std::to_string(repeated));
    }
    EXPECT_EQ(scan_json(object_of(count, "\"other\":true")).status, ScanStatus::ok) << count << " keys";
  }
}

TEST(ScanJson, KeysAreCountedPerObject) {
  // The same key in a parent and its child, in sibling objects, and in an object after a large
  // one closed: no repeat.
  const std::string nested = object_of(20, "\"child\":" + object_of(20) + ",\"k25\":" + object_of(3));
  EXPECT_EQ(scan_json(nested).status, ScanStatus::ok);
  EXPECT_EQ(scan_json("[" + object_of(30) + "," + object_of(30) + "," + object_of(2) + "]").status, ScanStatus::ok);
  EXPECT_EQ(scan_json("{\"a\":" + object_of(3) + ",\"b\":" + object_of(3) + ",\"a\":1}").duplicate_key, "a");
  // A repeat in a child of a large object, and in a parent after a large child closed.
  EXPECT_EQ(scan_json(object_of(20, "\"child\":" + object_of(2, "\"k1\":0"))).duplicate_key, "k1");
  EXPECT_EQ(scan_json(object_of(5, "\"child\":" + object_of(20) + ",\"k3\":0")).duplicate_key, "k3");
}

TEST(ScanJson, TheCompactRenderingKeepsMembersInOrderWithoutTheSecrets) {
  const ScanResult result = scan_json(R"({ "id" : "w1", "secret":"whsec_x", "n": 1.50, "m": {"secret": "kept"}, "l": [ ] })");
  ASSERT_EQ(result.status, ScanStatus::ok);
  EXPECT_EQ(result.compact_without_secret, R"({"id":"w1","n":1.50,"m":{"secret":"kept"},"l":[]})");
}

}  // namespace
}  // namespace hookd::subscriptions::detail
