// hookd-bench-isolation --tenants: what a hostile company costs a well-behaved one, and what
// the tenant budget (delivery.max_in_flight_per_tenant, docs/contract.md "Isolation between
// companies") buys. Three runs on a real broker, each with a fresh hookd child and fresh topics:
//
//   alone:     the good company only: G webhooks, each its own fast HTTPS receiver, N events
//              paced at --rate;
//   budget:    the same, while a hostile company's events (--hostile-rate per second) each
//              match F of its webhooks (--fanout) spread over O receivers (--hostile-origins,
//              2) that answer 200 only after --slow-answer: slow but 2xx, so no breaker ever
//              opens;
//   no budget: the same as `budget` with the budget set equal to the global caps (off).
//
// It prints, for the good company, deliveries/s (first publish to last arrival) and the
// p50/p99/max event-to-delivery latency in each run, and for the hostile one what hookd did
// with its deliveries. Exit code 0 when every delivery to the good company arrived in each run
// and hookd exited 0 each time; 1 otherwise; 2 on a usage error.
#pragma once

namespace hookd::bench {

// Reads the tenant mode's flags (argv holds --tenants) and runs it.
int run_tenants(int argc, char** argv);

}  // namespace hookd::bench
