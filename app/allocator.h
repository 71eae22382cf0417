// Which malloc this hookd binary runs on, for --version (docs/operations.md, "Memory").
#pragma once

#include <string>

namespace hookd::app {

// "jemalloc <version>" in the release binary; "system malloc" where it is not linked (the
// sanitizer builds, whose runtimes replace malloc themselves).
std::string allocator_name();

}  // namespace hookd::app
