// `hookd send-test ...`: flags in, exit code out. The request is built by lib/payload and sent
// by the worker's own HTTP client (worker::DeliveryRuntime).
#pragma once

namespace hookd::app {

// `args` are the arguments after "send-test". 0 the receiver answered 2xx, 1 anything else
// (no answer, a refused address, a non-2xx, the webhook not found), 2 usage or configuration.
int send_test_command(int argc, char** args);

}  // namespace hookd::app
