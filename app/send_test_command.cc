#include "send_test_command.h"

#include "cli.h"
#include "common/build_info.h"
#include "common/log.h"
#include "common/timestamp.h"
#include "events/parser.h"
#include "inspect/snapshot_load.h"
#include "kafka/types.h"
#include "metrics/metrics.h"
#include "payload/body.h"
#include "payload/delivery_id.h"
#include "payload/request.h"
#include "worker/delivery_runtime.h"

#include <chrono>
#include <future>
#include <iostream>
#include <random>

namespace hookd::app {
namespace {

using namespace std::chrono_literals;

const CommandSpec kSendTest{
    "send-test",
    "usage: hookd send-test --config FILE --webhook ID [--event-type TYPE]\n"
    "  Sends one signed sample delivery to the webhook's URL, as a worker would send a first\n"
    "  attempt: the current subscription (read from the subscriptions topic), the same network\n"
    "  guard (delivery.allow_private_networks, allow_http), proxy, TLS (delivery.ca_file),\n"
    "  timeouts, headers and signatures. The sample event has id \"test_<random>\", type TYPE\n"
    "  (default HOOKD_TEST, [A-Z0-9_]+), the webhook's company, and \"test\": true. Nothing is\n"
    "  written to Kafka: no retry, no dead letter, no attempts log entry.\n"
    "  Prints the webhook-id, result, HTTP status, time taken and the first 512 bytes of the\n"
    "  response (escaped to one line of valid UTF-8). Only the URL's origin is shown.\n"
    "  Exit: 0 the receiver answered 2xx, 1 anything else, 2 usage or configuration error.\n",
    {{"--config"}, {"--webhook"}, {"--event-type"}},
    {"--config", "--webhook"}};

constexpr std::size_t kShownResponseBytes = 512;

bool valid_event_type(std::string_view type) {
  if (type.empty()) return false;
  for (char c : type) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string random_hex() {
  std::random_device random;
  char text[17];
  std::snprintf(text, sizeof text, "%08x%08x", random(), random());
  return text;
}

// A sample envelope for `webhook`: its company, its first project if it lists any, so that
// receivers that route by them see a plausible event.
std::string sample_event(const subscriptions::Subscription& webhook, std::string_view type, std::int64_t now_ms) {
  std::string out = "{\"id\":\"test_" + random_hex() + "\",\"event\":\"" + std::string(type) + "\",\"occurredAt\":\"" +
                    format_rfc3339_ms(now_ms) + "\",\"company\":{\"id\":";
  log::append_json_string(out, webhook.company_id());
  out += "}";
  if (!webhook.project_ids().empty()) {
    out += ",\"project\":{\"id\":";
    log::append_json_string(out, webhook.project_ids().front());
    out += "}";
  }
  out += ",\"test\":true,\"currentValue\":{\"message\":\"A test delivery sent by hookd send-test\"}}";
  return out;
}

}  // namespace

int send_test_command(int argc, char** args) {
  const auto parsed = parse_flags(kSendTest, argc, args);
  if (!parsed.flags) return parsed.exit_code;
  const Flags& flags = *parsed.flags;
  const auto webhook_flag = flags.find("--webhook");
  std::string type = "HOOKD_TEST";
  if (const auto t = flags.find("--event-type"); t != flags.end()) type = t->second;
  if (!valid_event_type(type)) return usage_error(kSendTest, "--event-type: expected [A-Z0-9_]+, got \"" + type + "\"");
  const auto config = load_config(kSendTest, flags);
  if (!config) return kExitUsage;

  try {
    const auto loaded = inspect::load_snapshot({config->kafka.bootstrap_servers, config->kafka.properties},
                                               config->topics.subscriptions, config->kafka.unavailable_after);
    if (loaded.error) {
      std::cerr << "hookd send-test: " << *loaded.error << "\n";
      return kExitFailed;
    }
    const subscriptions::Subscription* webhook = loaded.snapshot->find(webhook_flag->second);
    if (webhook == nullptr) {
      std::cout << "FAIL webhook " << webhook_flag->second << ": not in the subscription snapshot\n";
      return kExitFailed;
    }
    if (!webhook->enabled()) std::cout << "note: the webhook is disabled; workers deliver nothing to it\n";

    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const std::string envelope = sample_event(*webhook, type, now_ms);
    events::EventParser parser(config->limits.max_event_bytes);
    events::Event event;
    if (const auto invalid = parser.parse(envelope, event)) {
      std::cerr << "hookd send-test: the sample event is invalid (" << events::to_string(*invalid) << ")\n";
      return kExitFailed;
    }
    auto body = std::make_shared<std::string>();
    payload::build_body(event, webhook->webhook_json(), *body);
    const std::string delivery_id = payload::delivery_id(event.id, webhook->id());
    auto request = payload::build_request(*webhook, {delivery_id, event.type, 1}, body,
                                          "hookd/" + std::string(common::version()), now_ms);

    metrics::Metrics metrics;
    worker::DeliveryRuntime runtime(config->delivery, metrics, common::system_clock());
    runtime.start();
    std::promise<delivery::Outcome> answered;
    auto outcome_future = answered.get_future();
    std::cout << "POST " << webhook->origin() << " (path not shown)  webhook-id: " << delivery_id
              << "  event: " << type << "\n";
    runtime.client().post(std::move(request), [&answered](delivery::Outcome outcome) {
      answered.set_value(std::move(outcome));
    });
    // The client ends every attempt within delivery.timeout; the margin covers its queueing.
    if (outcome_future.wait_for(config->delivery.timeout + 5s) != std::future_status::ready) {
      std::cout << "FAIL no outcome within " << (config->delivery.timeout + 5s).count() << " ms\n";
      runtime.stop();
      return kExitFailed;
    }
    const delivery::Outcome outcome = outcome_future.get();
    runtime.stop();
    const bool ok = outcome.result == delivery::AttemptResult::success_2xx;
    std::cout << (ok ? "ok   " : "FAIL ") << "result: " << delivery::to_string(outcome.result) << "  status: "
              << (outcome.http_status ? std::to_string(outcome.http_status) : std::string("-")) << "  time: "
              << std::chrono::duration_cast<std::chrono::milliseconds>(outcome.duration).count() << " ms\n";
    if (!outcome.error.empty()) std::cout << "error: " << outcome.error << "\n";
    const std::string_view response(outcome.response_excerpt);
    std::string shown;
    log::append_json_escaped(shown, response.substr(0, kShownResponseBytes));
    std::cout << "response (" << std::min(response.size(), kShownResponseBytes) << " of "
              << (response.size() < delivery::response_excerpt_bytes ? std::to_string(response.size())
                                                                      : std::string("at least ") +
                                                                            std::to_string(response.size()))
              << " bytes): " << shown << "\n";
    return ok ? kExitOk : kExitFailed;
  } catch (const kafka::Error& e) {
    std::cerr << "hookd send-test: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    // The HTTP client refused its set-up (delivery.ca_file, delivery.proxy).
    std::cerr << "hookd send-test: " << e.what() << "\n";
    return kExitUsage;
  }
}

}  // namespace hookd::app
