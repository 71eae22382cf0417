// Subscription records shaped like Blue's, for the benchmarks that load large tables
// (hookd-bench-subscriptions through Kafka, hookd-bench-subscription-load in process).
#pragma once

#include <string>

namespace hookd::bench {

// Subscription n of `companies` companies, about 466 bytes: three event types, one project, a
// whsec_ secret; one in ten carries a record filter. Its id is "sub-<n, nine digits>", its
// company "company-<n % companies>"; its URL is on one of 977 origins and never called.
std::string filler_subscription(long n, long companies);

}  // namespace hookd::bench
