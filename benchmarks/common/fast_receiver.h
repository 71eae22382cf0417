// The end-to-end benchmark's HTTPS receiver: as little work per request as an HTTP/1.1
// keep-alive server can do, so that the ceiling it shows `wrk` is the machine's and not the
// receiver's (docs/benchmarks.md, "The ceiling"). test_support::HttpsReceiver is programmable
// and keeps a copy of every request; this one only stamps the arrival of a delivery
// (Arrivals) and answers a fixed 200 with an empty body.
//
// One io_context on `threads` threads serves `ports` listening ports, each its own origin for
// hookd; a request whose target starts with "/ceiling" is answered and not recorded (that is
// wrk's load).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/test_ca.h"

namespace hookd::bench {

class Arrivals;

class FastReceiver {
 public:
  // Listens on 127.0.0.1 at once; throws on a bad certificate or a bind error.
  FastReceiver(const test_support::CertFiles& certificate, int ports, int threads);
  ~FastReceiver();
  FastReceiver(const FastReceiver&) = delete;
  FastReceiver& operator=(const FastReceiver&) = delete;

  int ports() const { return static_cast<int>(ports_.size()); }
  // "https://localhost:<port i><path>".
  std::string url(int i, std::string_view path) const;

  // Where deliveries are recorded from now on (nullptr: only counted). The caller keeps it
  // alive until it is replaced and the receiver has stopped or gone quiet.
  void record_into(Arrivals* arrivals) { arrivals_.store(arrivals, std::memory_order_release); }
  std::uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }

 private:
  struct Impl;
  friend struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::uint16_t> ports_;
  std::vector<std::thread> threads_;
  std::atomic<Arrivals*> arrivals_{nullptr};
  std::atomic<std::uint64_t> requests_{0};
};

}  // namespace hookd::bench
