// What a failed write of one of hookd's own records means (docs/contract.md, "Kafka errors"):
// every librdkafka error a produce can report falls in exactly one kind, and each kind has
// one outcome, so nothing is retried forever in silence and nothing hookd wrote is dropped.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string_view>

namespace hookd::kafka {

enum class WriteError {
  transient,  // the broker or network will recover (timeouts, leader moves, full local queue): retry with back-off
  too_large,  // the record is over a size limit: retrying cannot help; write a smaller record instead
  permanent,  // configuration or authorisation (ACLs, unknown topic): the worker is unhealthy until fixed
  fatal,      // the idempotent producer is fenced or out of sequence: the worker must restart
  shutdown,   // purged because hookd is stopping: left uncommitted, redelivered after a restart
};

WriteError classify_write_error(rd_kafka_resp_err_t err);

// "transient" "too_large" "permanent" "fatal" "shutdown": metric label values.
std::string_view to_string(WriteError kind);

}  // namespace hookd::kafka
