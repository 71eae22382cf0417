// `hookd check` and `hookd --check-config`: is this configuration one hookd can start with,
// and (--connect) does the cluster let it work? Flags in, exit code out; the Kafka checks are
// in lib/inspect/connect_check.
#pragma once

#include "config/config.h"

#include <optional>
#include <string>
#include <string_view>

namespace hookd::app {

// Loads `file` and checks what start-up would refuse: the loader's checks, every librdkafka
// configuration the worker builds, and the TLS context of the HTTP client (delivery.ca_file).
// Prints the first problem to stderr ("<prefix>: ...") and returns nullopt.
std::optional<config::Config> load_and_check(std::string_view prefix, const std::string& file);

// `args` are the arguments after "check". 0 all ok, 1 a check failed, 2 usage or configuration.
int check_command(int argc, char** args);

}  // namespace hookd::app
