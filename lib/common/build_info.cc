#include "common/build_info.h"

namespace hookd::common {

std::string_view version() { return HOOKD_VERSION; }
std::string_view commit() { return HOOKD_COMMIT; }

}  // namespace hookd::common
