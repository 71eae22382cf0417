#include "health/status.h"

#include "common/log.h"

#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace hookd::health {
namespace {

void append_string(std::string& out, std::string_view text) {
  out += '"';
  log::append_json_escaped(out, text);
  out += '"';
}

std::string rfc3339_ms(std::int64_t unix_ms) {
  const auto secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

}  // namespace

std::string status_record(const Transition& t, std::string_view worker) {
  std::string out;
  out.reserve(192 + t.webhook_id.size() + worker.size());
  out += "{\"webhookId\":";
  append_string(out, t.webhook_id);
  out += ",\"status\":";
  append_string(out, to_string(t.to));
  out += ",\"since\":";
  append_string(out, rfc3339_ms(t.since_unix_ms));
  out += ",\"consecutiveFailures\":";
  out += std::to_string(t.consecutive_failures);
  out += ",\"lastResult\":";
  append_string(out, t.last_result);
  out += ",\"lastStatus\":";
  out += t.last_status > 0 ? std::to_string(t.last_status) : "null";
  out += ",\"worker\":";
  append_string(out, worker);
  out += '}';
  return out;
}

std::string default_worker_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "hookd");
  return std::string(host) + "-" + std::to_string(::getpid());
}

std::int64_t SystemClock::unix_ms_now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace hookd::health
