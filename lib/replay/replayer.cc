#include "replay/replayer.h"

#include "common/log.h"
#include "common/timestamp.h"
#include "kafka/producer.h"
#include "replay/dead_letter_reader.h"
#include "retry/policy.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

namespace hookd::replay {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Reading is far faster than producing with acks=all: past this many unacknowledged records
// the reader waits, so a large replay never fills the producer's queue (which would fail
// records with _QUEUE_FULL) nor holds the whole topic in memory.
constexpr std::int64_t kMaxUnacknowledged = 10'000;

std::string rfc3339_ms(std::int64_t unix_ms) { return unix_ms < 0 ? "none" : format_rfc3339_ms(unix_ms); }

DeadLetterView view_of(const kafka::Message& m) {
  DeadLetterView v;
  v.timestamp_ms = m.timestamp_ms();
  v.value = m.has_value() ? m.value() : std::string_view();
  v.kind = m.header("hookd-kind");
  v.reason = m.header("hookd-reason");
  v.webhook_id = m.header("hookd-webhook-id");
  v.source = m.header("hookd-source");
  v.truncated = m.header("hookd-truncated");
  return v;
}

// Acknowledgements arrive on the producer's poll thread.
struct Acks {
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> failed{0};
  std::mutex mutex;
  std::string first_error;  // guarded by mutex

  void on_ack(rd_kafka_resp_err_t err) {
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ok.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    failed.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex);
    if (first_error.empty()) first_error = kafka::describe(err);
  }
};

}  // namespace

std::uint64_t ReplayStats::skipped_total() const {
  std::uint64_t total = 0;
  for (auto n : skipped) total += n;
  return total;
}

std::string summary_line(const ReplayStats& s, bool dry_run) {
  std::string line = dry_run ? "replay summary (dry run, nothing sent): scanned=" : "replay summary: scanned=";
  line += std::to_string(s.scanned);
  line += dry_run ? " would_replay=" : " replayed=";
  line += std::to_string(s.replayed);
  line += " skipped=" + std::to_string(s.skipped_total()) + " (";
  for (std::size_t i = 0; i < kAllSkipReasons.size(); ++i) {
    if (i > 0) line += ' ';
    line += to_string(kAllSkipReasons[i]);
    line += '=' + std::to_string(s.skipped[i]);
  }
  line += ") not_in_scope=" + std::to_string(s.not_in_scope);
  if (!dry_run) line += " failed=" + std::to_string(s.failed);
  return line;
}

ReplayResult run(const config::Config& config, const ReplayOptions& options, std::ostream& out,
                 std::ostream& progress) {
  ReplayResult result;
  auto& stats = result.stats;
  const retry::RetryPolicy policy(config.retry.schedule);
  // The first tier: the replayed delivery starts its schedule over.
  const std::string tier = retry::tier_topic(config.topics.retry_prefix, policy.steps().front().delay_text);
  const kafka::ClientSettings settings{config.kafka.bootstrap_servers, config.kafka.properties};

  DeadLetterReader reader(settings, config.topics.dead_letter, options.kafka_timeout);
  if (auto error = reader.start()) {
    result.error = std::move(error);
    return result;
  }
  if (!options.dry_run) {
    const auto found = reader.lookup(tier);
    if (found.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      result.error = "Kafka unreachable while looking up the retry tier " + tier + ": " + kafka::describe(found.error);
      return result;
    }
    if (!found.exists) {
      // hookd creates its tiers at start; writing to a missing one could auto-create it wrongly.
      result.error = "the retry tier " + tier + " does not exist: start hookd with this configuration first";
      return result;
    }
  }

  Acks acks;  // declared before the producer: its destructor may still run acknowledgements
  std::unique_ptr<kafka::Producer> producer;
  if (!options.dry_run) producer = std::make_unique<kafka::Producer>(settings);
  std::uint64_t sent = 0;

  // The retry loop parses envelopes with this limit: anything replayed is readable there.
  events::EventParser parser(config.limits.max_event_bytes * 2);
  auto last_report = Clock::now();
  std::uint64_t last_report_scanned = 0;
  auto report = [&](const ReaderProgress& p) {
    progress << "replay progress: scanned=" << stats.scanned << (options.dry_run ? " would_replay=" : " sent=")
             << (options.dry_run ? stats.replayed : sent);
    if (!options.dry_run) progress << " acknowledged=" << acks.ok.load(std::memory_order_relaxed);
    progress << " skipped=" << stats.skipped_total() << " not_in_scope=" << stats.not_in_scope
             << " partitions_done=" << p.partitions_done << "/" << p.partitions << "\n";
    progress.flush();
    last_report = Clock::now();
    last_report_scanned = stats.scanned;
  };
  auto on_tick = [&](const ReaderProgress& p) {
    if (stats.scanned - last_report_scanned >= options.progress_every ||
        Clock::now() - last_report >= options.progress_interval) {
      report(p);
    }
  };

  auto on_record = [&](const kafka::Message& message) {
    ++stats.scanned;
    const DeadLetterView letter = view_of(message);
    const Decision decision = decide(letter, options.filter, parser);
    if (std::holds_alternative<NotInScope>(decision)) {
      ++stats.not_in_scope;
      return;
    }
    if (const auto* skipped = std::get_if<Skipped>(&decision)) {
      ++stats.skipped[static_cast<std::size_t>(skipped->reason)];
      log::debug("dead letter skipped", {{"reason", to_string(skipped->reason)},
                                         {"partition", message.partition()},
                                         {"offset", static_cast<long long>(message.offset())}});
      return;
    }
    const auto& replay = std::get<Replay>(decision);
    if (options.dry_run) {
      ++stats.replayed;
      out << "would replay: webhook=" << replay.record.webhook_id << " event=" << replay.record.event_id
          << " reason=" << replay.reason << " at=" << rfc3339_ms(letter.timestamp_ms) << "\n";
      return;
    }
    while (producer->pending() >= kMaxUnacknowledged && !producer->fatal()) std::this_thread::sleep_for(1ms);
    // Keyed by webhook id, as the worker keys its retry records.
    producer->produce(tier, replay.record.webhook_id, retry::serialize(replay.record), {},
                      [&acks](rd_kafka_resp_err_t err) { acks.on_ack(err); });
    ++sent;
  };

  result.error = reader.read_all(on_record, on_tick);
  if (producer) {
    // Every record must be acknowledged before exit 0: the dead letter stays where it is, so
    // an unacknowledged record would be a silently lost replay.
    const auto flushed = producer->flush(options.kafka_timeout + 30s);
    stats.replayed = acks.ok.load();
    stats.failed = acks.failed.load() + static_cast<std::uint64_t>(std::max<std::int64_t>(0, producer->pending()));
    if (!result.error && flushed != RD_KAFKA_RESP_ERR_NO_ERROR) {
      result.error = std::to_string(producer->pending()) + " retry records still unacknowledged on " + tier;
    } else if (!result.error && stats.failed > 0) {
      std::lock_guard lock(acks.mutex);
      result.error = std::to_string(stats.failed) + " retry records could not be written to " + tier + ": " +
                     acks.first_error;
    }
  }
  out << summary_line(stats, options.dry_run) << "\n";
  out.flush();
  return result;
}

}  // namespace hookd::replay
