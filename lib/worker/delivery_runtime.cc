#include "worker/delivery_runtime.h"

namespace hookd::worker {

DeliveryRuntime::DeliveryRuntime(const config::DeliveryConfig& config, metrics::Metrics& metrics,
                                 const common::Clock& clock)
    : threads_(config.threads) {
  delivery::ClientOptions options;
  options.request_timeout = config.timeout;
  options.connect_timeout = config.connect_timeout;
  options.max_in_flight_per_origin = static_cast<std::size_t>(config.max_in_flight_per_origin);
  options.max_queued_per_origin = static_cast<std::size_t>(config.max_queued_per_origin);
  options.max_queue_wait = config.max_origin_queue_wait;
  options.max_response_bytes = config.max_response_bytes;
  options.allow_private_networks = config.allow_private_networks;
  options.allow_http = config.allow_http;
  options.ca_file = config.ca_file;
  options.user_agent = std::string("hookd/") + HOOKD_VERSION;
  options.dns_cache_ttl = std::chrono::duration_cast<std::chrono::seconds>(config.dns_cache_ttl);
  options.idle_timeout = config.idle_timeout;
  options.idle_surplus_timeout = config.idle_surplus_timeout;
  options.max_idle_connections = static_cast<std::size_t>(config.max_idle_connections);
  options.proxy = config.proxy;
  options.on_queued = [&metrics](std::size_t depth) { metrics.origin_queue_depth.observe(static_cast<double>(depth)); };
  client_ = std::make_unique<delivery::Client>(threads_.contexts(), options, clock);
}

void DeliveryRuntime::stop() {
  client_->shutdown();
  threads_.stop();
}

}  // namespace hookd::worker
