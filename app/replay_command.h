// `hookd replay ...`: flags in, exit code out. The work is in lib/replay.
#pragma once

namespace hookd::app {

// `args` are the arguments after "replay". Returns hookd's exit codes: 0 done, 1 runtime
// error (Kafka unreachable, a record not acknowledged), 2 usage or configuration error.
int replay_command(int argc, char** args);

}  // namespace hookd::app
