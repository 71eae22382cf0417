#include "payload/delivery_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace hookd::payload {
namespace {

TEST(DeliveryId, FormatIsMsgAnd32LowercaseHex) {
  const std::string id = delivery_id("evt_1", "clb4qaopy0000vt24mlp28v03");
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id.substr(0, 4), "msg_");
  for (char c : id.substr(4)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
  EXPECT_EQ(id.find('.'), std::string::npos);
}

TEST(DeliveryId, KnownValue) {
  // First 16 bytes of SHA-256("evt_1\0wh_1"), computed independently:
  //   printf 'evt_1\0wh_1' | sha256sum
  EXPECT_EQ(delivery_id("evt_1", "wh_1"), "msg_ef3f95f0e460fbed9e91510293f1df1c");
}

TEST(DeliveryId, StableForThePair) {
  EXPECT_EQ(delivery_id("evt_1", "wh_1"), delivery_id("evt_1", "wh_1"));
}

TEST(DeliveryId, DistinctAcrossPairs) {
  std::set<std::string> ids;
  for (int event = 0; event < 50; ++event) {
    for (int webhook = 0; webhook < 20; ++webhook) {
      ids.insert(delivery_id("evt_" + std::to_string(event), "wh_" + std::to_string(webhook)));
    }
  }
  EXPECT_EQ(ids.size(), 1000u);
  // The separator keeps shifted boundaries apart.
  EXPECT_NE(delivery_id("ab", "c"), delivery_id("a", "bc"));
  EXPECT_NE(delivery_id("a", "b"), delivery_id("b", "a"));
}

}  // namespace
}  // namespace hookd::payload
