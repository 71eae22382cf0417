// The subscription snapshot as a worker would have it now: the compacted subscriptions topic
// read to the end offsets it had when reading began, with the worker's own pieces
// (kafka::TableReader, subscriptions::SubscriptionTable), then stopped.
#pragma once

#include "kafka/types.h"
#include "subscriptions/snapshot.h"
#include "subscriptions/subscription.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace hookd::inspect {

struct LoadedSnapshot {
  std::shared_ptr<const subscriptions::Snapshot> snapshot;  // null when `error` is set
  // Webhooks whose latest record was refused (so no version of them is in the snapshot), and why.
  std::map<std::string, subscriptions::Invalid, std::less<>> refused;
  kafka::MaybeError error;  // the topic is missing, or the end was not reached within the timeout
};

LoadedSnapshot load_snapshot(const kafka::ClientSettings& settings, const std::string& topic,
                             std::chrono::milliseconds timeout);

}  // namespace hookd::inspect
