// hookd-receiver: a local HTTPS webhook receiver for the demo, the end-to-end tests and the
// benchmarks. It makes a certificate authority at start, serves TLS on 127.0.0.1, verifies
// both signatures of every delivery and prints one line per delivery.
//
//   hookd-receiver --secret S --state-dir DIR [--expect N] [--timeout-s T] [--quiet]
//
// DIR receives ca.pem (for hookd's delivery.ca_file) and url (the receiver's base URL).
// With --expect N it exits 0 once N deliveries were verified, 1 on a verification failure
// or when T seconds pass first. Without it, it runs until SIGINT/SIGTERM.
#include "common/log.h"
#include "signing/signature.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

struct Args {
  std::string secret;
  std::string state_dir;
  long expect = 0;
  long timeout_s = 120;
  bool quiet = false;
};

bool parse_args(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--quiet") {
      args.quiet = true;
      continue;
    }
    if (!(v = next())) return false;
    if (a == "--secret") args.secret = v;
    else if (a == "--state-dir") args.state_dir = v;
    else if (a == "--expect") args.expect = std::atol(v);
    else if (a == "--timeout-s") args.timeout_s = std::atol(v);
    else return false;
  }
  return !args.state_dir.empty();
}

// Checks a delivery the way a receiver should: Standard Webhooks signature (any v1 entry
// matches: during a secret rotation the previous secret's rides along, and v1a entries are
// for receivers holding the public key), a timestamp within five minutes, and Blue's hex
// x-signature over the raw body.
std::string verify(const hookd::test_support::ReceivedRequest& r, const hookd::signing::SigningKey& key) {
  if (key.empty()) {
    // Without --secret only HMAC entries are unexpected: a webhook with just a signingKey
    // carries a lone v1a entry, which this receiver (holding no public key) does not check.
    const std::string sent = r.header("webhook-signature");
    const bool hmac_sent =
        r.has_header("x-signature") || sent.starts_with("v1,") || sent.find(" v1,") != std::string::npos;
    return hmac_sent ? "HMAC signature sent for an unsigned webhook" : "";
  }
  const std::string id = r.header("webhook-id");
  const std::string ts = r.header("webhook-timestamp");
  if (id.empty() || ts.empty()) return "missing webhook-id or webhook-timestamp";
  const long long timestamp = std::atoll(ts.c_str());
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  if (std::llabs(now - timestamp) > 300) return "webhook-timestamp outside the 5 minute tolerance";
  const std::string expected = hookd::signing::standard_webhooks_signature(key, id, timestamp, r.body);
  const std::string sent = r.header("webhook-signature");
  bool v1_ok = false;
  for (std::size_t pos = 0; pos < sent.size();) {
    const auto end = std::min(sent.find(' ', pos), sent.size());
    v1_ok = v1_ok || sent.substr(pos, end - pos) == expected;
    pos = end + 1;
  }
  if (!v1_ok) return "webhook-signature does not verify";
  if (r.header("x-signature") != hookd::signing::blue_signature_hex(key, r.body)) return "x-signature does not verify";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::cerr << "usage: hookd-receiver --state-dir DIR [--secret S] [--expect N] [--timeout-s T] [--quiet]\n";
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  hookd::test_support::TestCa ca;
  std::filesystem::create_directories(args.state_dir);
  std::filesystem::copy_file(ca.ca_file(), args.state_dir + "/ca.pem",
                             std::filesystem::copy_options::overwrite_existing);
  hookd::test_support::HttpsReceiver receiver({.tls = true, .certificate = ca.localhost()});
  const std::string url = receiver.url("/blue/webhooks", "localhost");
  {
    std::ofstream(args.state_dir + "/url.tmp") << url << "\n";
    std::filesystem::rename(args.state_dir + "/url.tmp", args.state_dir + "/url");
  }
  std::cerr << "hookd-receiver: listening on " << url << " (CA: " << args.state_dir << "/ca.pem)\n";

  const auto key = hookd::signing::make_signing_key(args.secret);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args.timeout_s);
  std::size_t seen = 0;
  long verified = 0;
  int failures = 0;
  while (!g_stop) {
    receiver.wait_for_requests(seen + 1, std::chrono::milliseconds(200));
    const auto requests = receiver.requests();
    for (; seen < requests.size(); ++seen) {
      const auto& r = requests[seen];
      const std::string problem = verify(r, key);
      std::string event = "?";
      try {
        event = boost::json::value_to<std::string>(boost::json::parse(r.body).at("event"));
      } catch (const std::exception&) {
        event = "(body is not the expected JSON)";
      }
      if (problem.empty()) {
        ++verified;
      } else {
        ++failures;
      }
      std::cout << (problem.empty() ? "VERIFIED " : "REJECTED ") << event << " webhook-id="
                << r.header("webhook-id") << " attempt=" << r.header("x-blue-attempt")
                << " bytes=" << r.body.size() << (problem.empty() ? "" : " problem=" + problem) << "\n";
      if (!args.quiet) std::cout << "  body: " << r.body << "\n";
      std::cout.flush();
    }
    if (failures > 0 && args.expect > 0) return 1;
    if (args.expect > 0 && verified >= args.expect) {
      std::cout << "received and verified " << verified << " deliveries\n";
      return 0;
    }
    if (args.expect > 0 && std::chrono::steady_clock::now() > deadline) {
      std::cerr << "hookd-receiver: timed out with " << verified << " of " << args.expect << " deliveries\n";
      return 1;
    }
  }
  return failures > 0 ? 1 : 0;
}
