#include "events/envelope.h"

namespace hookd::events {

std::string_view to_string(InvalidReason reason) {
  // No default: a new reason must get its word here or the build fails (-Werror=switch).
  switch (reason) {
    case InvalidReason::too_large: return "too_large";
    case InvalidReason::invalid_utf8: return "invalid_utf8";
    case InvalidReason::not_json: return "not_json";
    case InvalidReason::not_object: return "not_object";
    case InvalidReason::duplicate_key: return "duplicate_key";
    case InvalidReason::missing_field: return "missing_field";
    case InvalidReason::invalid_field: return "invalid_field";
  }
  return "unknown";
}

}  // namespace hookd::events
