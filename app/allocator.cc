#include "allocator.h"

#if HOOKD_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace hookd::app {

std::string allocator_name() {
#if HOOKD_JEMALLOC
  const char* version = nullptr;
  std::size_t size = sizeof version;
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr) {
    return std::string("jemalloc ") + version;
  }
  return "jemalloc";
#else
  return "system malloc";
#endif
}

}  // namespace hookd::app
