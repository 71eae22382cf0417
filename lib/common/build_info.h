// What build this is: hookd --version and hookd_build_info.
#pragma once

#include <string_view>

namespace hookd::common {

std::string_view version();  // the project version, e.g. "0.1.0"
std::string_view commit();   // the commit the build was configured from, or "unknown"

}  // namespace hookd::common
