// Every produce error falls in one kind, and the kinds hookd acts on are the right ones.
#include "kafka/write_error.h"

#include <gtest/gtest.h>

namespace hookd::kafka {
namespace {

TEST(WriteError, SizeErrorsAreTooLarge) {
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), WriteError::too_large);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE), WriteError::too_large);
}

TEST(WriteError, AuthorisationAndUnknownTopicArePermanent) {
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED), WriteError::permanent);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED), WriteError::permanent);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC), WriteError::permanent);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), WriteError::permanent);
}

TEST(WriteError, IdempotenceFailuresAreFatal) {
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR__FATAL), WriteError::fatal);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER), WriteError::fatal);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR_PRODUCER_FENCED), WriteError::fatal);
}

TEST(WriteError, TimeoutsTransportAndAFullQueueAreTransient) {
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), WriteError::transient);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR__TRANSPORT), WriteError::transient);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR__QUEUE_FULL), WriteError::transient);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS), WriteError::transient);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT), WriteError::transient);
}

TEST(WriteError, PurgedRecordsMeanShutdown) {
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR__PURGE_QUEUE), WriteError::shutdown);
  EXPECT_EQ(classify_write_error(RD_KAFKA_RESP_ERR__PURGE_INFLIGHT), WriteError::shutdown);
}

TEST(WriteError, EveryKindHasItsWord) {
  EXPECT_EQ(to_string(WriteError::transient), "transient");
  EXPECT_EQ(to_string(WriteError::too_large), "too_large");
  EXPECT_EQ(to_string(WriteError::permanent), "permanent");
  EXPECT_EQ(to_string(WriteError::fatal), "fatal");
  EXPECT_EQ(to_string(WriteError::shutdown), "shutdown");
}

}  // namespace
}  // namespace hookd::kafka
