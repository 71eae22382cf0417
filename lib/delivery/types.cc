#include "delivery/types.h"

#include <string_view>

namespace hookd::delivery {

std::string_view to_string(AttemptResult result) {
  // Exhaustive on purpose (no default): a new result must get its label here.
  switch (result) {
    case AttemptResult::success_2xx: return "2xx";
    case AttemptResult::status_3xx: return "3xx";
    case AttemptResult::status_4xx: return "4xx";
    case AttemptResult::status_5xx: return "5xx";
    case AttemptResult::timeout: return "timeout";
    case AttemptResult::dns_error: return "dns_error";
    case AttemptResult::connect_error: return "connect_error";
    case AttemptResult::tls_error: return "tls_error";
    case AttemptResult::protocol_error: return "protocol_error";
    case AttemptResult::blocked: return "blocked";
    case AttemptResult::origin_queue_full: return "origin_queue_full";
    case AttemptResult::tenant_over_budget: return "tenant_over_budget";
    case AttemptResult::cancelled: return "cancelled";
  }
  return "protocol_error";
}

}  // namespace hookd::delivery
