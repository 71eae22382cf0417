// `hookd explain ...`: flags in, exit code out. The rules are in lib/inspect/explain.
#pragma once

namespace hookd::app {

// `args` are the arguments after "explain". 0 explained (match or not: the output says which),
// 1 the snapshot could not be read, 2 usage or configuration error, an unreadable event file.
int explain_command(int argc, char** args);

}  // namespace hookd::app
