#include "health/status.h"

#include "common/log.h"
#include "common/timestamp.h"

#include <cstdio>
#include <unistd.h>

namespace hookd::health {
namespace {

}  // namespace

std::string status_record(const Transition& t, std::string_view worker) {
  std::string out;
  out.reserve(192 + t.webhook_id.size() + worker.size());
  out += "{\"webhookId\":";
  log::append_json_string(out, t.webhook_id);
  out += ",\"status\":";
  log::append_json_string(out, to_string(t.to));
  out += ",\"since\":";
  log::append_json_string(out, format_rfc3339_ms(t.since_unix_ms));
  out += ",\"consecutiveFailures\":";
  out += std::to_string(t.consecutive_failures);
  out += ",\"lastResult\":";
  log::append_json_string(out, t.last_result);
  out += ",\"lastStatus\":";
  out += t.last_status > 0 ? std::to_string(t.last_status) : "null";
  out += ",\"worker\":";
  log::append_json_string(out, worker);
  out += '}';
  return out;
}

std::string default_worker_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "hookd");
  return std::string(host) + "-" + std::to_string(::getpid());
}

}  // namespace hookd::health
