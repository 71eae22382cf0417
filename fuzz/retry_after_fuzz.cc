// libFuzzer target: a receiver's Retry-After header (delivery/retry_after.h). Any bytes give a
// wait within its bound or nothing, and the same answer twice.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "delivery/retry_after.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'767'225'600));  // 2026-01-01
  const auto wait = hookd::delivery::parse_retry_after(value, now);
  if (wait && (*wait < std::chrono::seconds(0) || *wait > hookd::delivery::max_retry_after)) std::abort();
  if (hookd::delivery::parse_retry_after(value, now) != wait) std::abort();
  return 0;
}
