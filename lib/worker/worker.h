// The hookd worker: the one place that knows every module and wires them together.
//
// Start-up order matters for the guarantees: the topics hookd writes exist before anything
// is consumed, the whole subscription table is loaded before the first event is matched, and
// on shutdown offsets are stored only for deliveries that reached a durable outcome.
#pragma once

#include "config/config.h"

#include <atomic>

namespace hookd::worker {

// Exit codes, as documented in docs/configuration.md.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFatal = 1;
inline constexpr int kExitConfig = 2;

// Runs until `stop` turns true (set by the signal handler) or a fatal error; returns the exit code.
int run(const config::Config& config, const std::atomic<bool>& stop);

}  // namespace hookd::worker
