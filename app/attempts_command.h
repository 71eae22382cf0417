// `hookd attempts ...`: flags in, exit code out. The scan is in lib/inspect/attempts.
#pragma once

namespace hookd::app {

// `args` are the arguments after "attempts". 0 done (rows or none), 1 Kafka unreachable,
// 2 usage or configuration error.
int attempts_command(int argc, char** args);

}  // namespace hookd::app
