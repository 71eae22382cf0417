// libFuzzer target: retry records are input (docs/contract.md, "Failed attempts"). Any bytes
// may reach the retry consumers; whatever parse_retry_record accepts, hookd must write back as
// a record it accepts again, field for field (the round trip every record hookd writes keeps).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "retry/records.h"

namespace {

using hookd::retry::ParsedRetryRecord;

void require(bool condition) {
  if (!condition) std::abort();
}

void require_same(const ParsedRetryRecord& a, const ParsedRetryRecord& b) {
  const auto& x = a.record;
  const auto& y = b.record;
  require(x.delivery_id == y.delivery_id && x.webhook_id == y.webhook_id && x.event_id == y.event_id &&
          x.event_type == y.event_type && x.attempts == y.attempts && x.step == y.step);
  require(x.source.topic == y.source.topic && x.source.partition == y.source.partition &&
          x.source.offset == y.source.offset);
  require(a.body == b.body && a.envelope == b.envelope);
  require(x.history.size() == y.history.size());
  for (std::size_t i = 0; i < x.history.size(); ++i) {
    const auto& h = x.history[i];
    const auto& k = y.history[i];
    require(h.result == k.result && h.http_status == k.http_status && h.duration_ms == k.duration_ms &&
            h.error == k.error && h.response == k.response);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto parsed = hookd::retry::parse_retry_record(bytes);
  if (!parsed) return 0;
  const std::string written = hookd::retry::serialize(parsed->with_bytes());
  const auto again = hookd::retry::parse_retry_record(written);
  require(again.has_value());
  require_same(*parsed, *again);
  return 0;
}
