// The deliverer with a fake sender, a recording writer and the manual clock: what each
// outcome becomes (nothing, a retry record, a dead letter), breaker deferral and exhaustion,
// 429 pauses, each company's budget of deliveries in flight, and that a record's offset is
// released only once its outcome is durable.
#include "dispatch/deliverer.h"

#include "health/status_publisher.h"
#include "kafka/commit_gate.h"
#include "retry/records.h"
#include "signing/signature.h"
#include "subscriptions/snapshot.h"

#include <gtest/gtest.h>

#include "support/allocation_counter.h"

#include <deque>
#include <map>

namespace hookd::dispatch {
namespace {

using namespace std::chrono_literals;
using delivery::AttemptResult;

class FakeSender final : public delivery::Sender {
 public:
  struct Sent {
    delivery::Request request;
    std::function<void(delivery::Outcome)> done;
  };
  void post(delivery::Request request, std::function<void(delivery::Outcome)> done) override {
    sent.push_back({std::move(request), std::move(done)});
  }
  void shutdown() override {}

  // The oldest request leaves its origin's queue, as the client does it: asks its refresh
  // hook; false ends it as cancelled. Returns whether it went out.
  bool dequeue() {
    EXPECT_FALSE(sent.empty());
    if (sent.empty() || !sent.front().request.refresh || sent.front().request.refresh(sent.front().request)) return true;
    auto next = std::move(sent.front());
    sent.pop_front();
    delivery::Outcome outcome;
    outcome.result = AttemptResult::cancelled;
    next.done(outcome);
    return false;
  }

  // Answers the oldest request not answered yet.
  void answer(AttemptResult result, int status, std::optional<std::chrono::seconds> retry_after = {}) {
    ASSERT_FALSE(sent.empty());
    auto next = std::move(sent.front());
    sent.pop_front();
    delivery::Outcome outcome;
    outcome.result = result;
    outcome.http_status = status;
    outcome.retry_after = retry_after;
    outcome.duration = 3ms;
    next.done(outcome);
  }
  std::string header(std::size_t i, std::string_view name) const {
    for (const auto& [n, v] : sent.at(i).request.headers)
      if (n == name) return std::string(v);
    return "";
  }

  std::deque<Sent> sent;
};

class RecordingWriter final : public kafka::RecordWriter {
 public:
  struct Record {
    std::string topic, key, value;
    std::vector<kafka::Header> headers;
    AckCallback ack;
  };
  void produce(std::string_view topic, std::string_view key, std::string_view value,
               const std::vector<kafka::Header>& headers, AckCallback on_ack) override {
    records.push_back({std::string(topic), std::string(key), std::string(value), headers, std::move(on_ack)});
  }
  // Acknowledges every record written so far (with `err`: fails them); not the records the
  // acknowledgements write.
  void ack_all(rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR) {
    const std::size_t written = records.size();
    for (std::size_t i = 0; i < written; ++i) {
      if (records[i].ack) std::exchange(records[i].ack, nullptr)(err);
    }
  }
  std::vector<const Record*> on(std::string_view topic) const {
    std::vector<const Record*> out;
    for (const auto& r : records)
      if (r.topic == topic) out.push_back(&r);
    return out;
  }
  std::vector<Record> records;
};

std::string header(const RecordingWriter::Record& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (h.name == name) return h.value;
  return "";
}

class DelivererTest : public ::testing::Test {
 protected:
  DelivererTest()
      : status_(nullptr, metrics_, "", "test"),
        health_({3, 30s}, clock_, status_),
        rate_limiter_({5s, 1024}),
        deliverer_({io_, sender_, writer_, metrics_, policy_, health_, rate_limiter_, clock_, snapshots_},
                   {"hookd.retry", "hookd.dlq", "", "hookd/test", {60s}, {}}) {
    webhook_ = make_webhook("https://hooks.example.com/in", "hooks.example.com", "whsec_first");
    publish(webhook_);
  }

  static std::shared_ptr<const subscriptions::Subscription> make_webhook(std::string_view url, std::string_view host,
                                                                         std::string_view secret, bool enabled = true,
                                                                         std::string_view id = "wh_1",
                                                                         std::string_view company = "") {
    return subscriptions::Subscription::make({.id = std::string(id),
                                              .company_id = std::string(company),
                                              .url = std::string(url),
                                              .secret = std::string(secret),
                                              .enabled = enabled,
                                              .https = true,
                                              .host = std::string(host),
                                              .port = 443});
  }
  // Makes `sub` the webhook as the current snapshot has it (none: deleted).
  void publish(std::shared_ptr<const subscriptions::Subscription> sub) {
    subscriptions::SubscriptionsById all;
    if (sub) all.insert(std::move(sub));
    snapshots_.publish(std::make_shared<const subscriptions::Snapshot>(std::move(all)));
  }

  // One consumed event with one delivery to the webhook, at `attempt` having waited on `step`;
  // to `to` instead when given, as one of the deliveries of `event` when given.
  std::shared_ptr<DeliveryJob> job(int attempt = 1, int step = -1,
                                   std::shared_ptr<const subscriptions::Subscription> to = nullptr,
                                   std::shared_ptr<EventTicket> event = nullptr) {
    if (!event) event = ticket(1);
    const auto& position = event->pending.position();
    auto j = std::make_shared<DeliveryJob>();
    j->ticket = std::move(event);
    j->subscription = to ? std::move(to) : webhook_;
    j->delivery_id = "msg_" + std::to_string(position.offset);
    j->event_id = "evt_1";
    j->event_type = "TODO_CREATED";
    j->body = std::make_shared<const std::string>(R"({"event":"TODO_CREATED"})");
    j->attempt = attempt;
    j->step = step;
    j->origin = {"events", 0, position.offset};
    return j;
  }
  // The next consumed event, to be finished by `deliveries` jobs.
  std::shared_ptr<EventTicket> ticket(int deliveries) {
    const auto position = gate_.dispatched("events", 0, next_offset_++, 1);
    return std::make_shared<EventTicket>(position, deliveries, gate_.completions(), R"({"id":"evt_1"})");
  }
  // The offset the gate lets commit now, or -1.
  std::int64_t committable() {
    const auto& stored = gate_.apply(1);
    return stored.empty() ? -1 : stored.back().offset;
  }
  retry::RetryRecord retry_record(const RecordingWriter::Record& r) {
    auto parsed = retry::parse_retry_record(r.value);
    EXPECT_TRUE(parsed.has_value()) << r.value;
    return parsed ? parsed->record : retry::RetryRecord{};
  }

  const retry::RetryPolicy policy_{{"5s", "5m", "30m"}};
  common::ManualClock clock_;
  boost::asio::io_context io_;
  FakeSender sender_;
  RecordingWriter writer_;
  metrics::Metrics metrics_;
  health::StatusPublisher status_;
  health::Tracker health_;
  delivery::RateLimiter rate_limiter_;
  subscriptions::SnapshotStore snapshots_;
  Deliverer deliverer_;
  kafka::CommitGate gate_{{"events"}};
  std::shared_ptr<const subscriptions::Subscription> webhook_;
  std::int64_t next_offset_ = 0;
};

TEST_F(DelivererTest, ATwoHundredFinishesTheEventWithNothingWritten) {
  deliverer_.dispatch(job());
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.header(0, "x-blue-attempt"), "1");
  EXPECT_EQ(sender_.header(0, "webhook-timestamp"), std::to_string(clock_.unix_ms_now() / 1000));
  EXPECT_EQ(committable(), -1);
  sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_TRUE(writer_.records.empty());
  EXPECT_EQ(deliverer_.in_flight(), 0);
  EXPECT_EQ(committable(), 1);
}

TEST_F(DelivererTest, AFailureIsCommittedOnlyOnceItsRetryRecordIsAcknowledged) {
  deliverer_.dispatch(job());
  sender_.answer(AttemptResult::status_5xx, 500);
  const auto written = writer_.on("hookd.retry.5s");
  ASSERT_EQ(written.size(), 1u);
  const auto record = retry_record(*written[0]);
  EXPECT_EQ(record.attempts, 1);
  EXPECT_EQ(record.step, 0);
  EXPECT_EQ(record.webhook_id, "wh_1");
  ASSERT_EQ(record.history.size(), 1u);
  EXPECT_EQ(record.history[0].http_status, 500);
  EXPECT_EQ(committable(), -1);  // not durable yet
  EXPECT_EQ(deliverer_.in_flight(), 1);
  writer_.ack_all();
  EXPECT_EQ(committable(), 1);
  EXPECT_EQ(deliverer_.in_flight(), 0);
}

TEST_F(DelivererTest, TheLastAttemptFailingWritesAnExhaustedDeadLetter) {
  deliverer_.dispatch(job(4, 2));  // three retries spent: the fourth attempt is the last
  sender_.answer(AttemptResult::timeout, 0);
  ASSERT_EQ(writer_.on("hookd.dlq").size(), 1u);
  EXPECT_TRUE(writer_.on("hookd.retry.5s").empty());
  EXPECT_EQ(header(*writer_.on("hookd.dlq")[0], "hookd-reason"), "exhausted");
}

TEST_F(DelivererTest, AnOpenBreakerDefersWithoutARequestUntilTheProbeInterval) {
  for (int i = 0; i < 3; ++i) {
    deliverer_.dispatch(job());
    sender_.answer(AttemptResult::status_5xx, 500);
  }
  writer_.records.clear();
  deliverer_.dispatch(job(2, 0));
  EXPECT_TRUE(sender_.sent.empty());  // deferred: no attempt
  const auto deferred = writer_.on("hookd.retry.5m");
  ASSERT_EQ(deferred.size(), 1u);
  const auto record = retry_record(*deferred[0]);
  EXPECT_EQ(record.attempts, 1);  // no attempt spent
  EXPECT_EQ(record.step, 1);
  EXPECT_EQ(record.history.back().result, "breaker_open");

  clock_.advance(30s);
  deliverer_.dispatch(job(2, 0));
  ASSERT_EQ(sender_.sent.size(), 1u);  // the interval's probe
}

TEST_F(DelivererTest, ABreakerDeferralAtTheEndOfTheScheduleIsExhausted) {
  for (int i = 0; i < 3; ++i) {
    deliverer_.dispatch(job());
    sender_.answer(AttemptResult::connect_error, 0);
  }
  writer_.records.clear();
  deliverer_.dispatch(job(3, 2));  // waited on the last step
  EXPECT_TRUE(sender_.sent.empty());
  ASSERT_EQ(writer_.on("hookd.dlq").size(), 1u);
  EXPECT_EQ(header(*writer_.on("hookd.dlq")[0], "hookd-reason"), "exhausted");
  EXPECT_TRUE(writer_.on("hookd.retry.30m").empty());
}

TEST_F(DelivererTest, ATooManyRequestsPausesTheWebhookAndDefersItsNextDeliveryPastThePause) {
  deliverer_.dispatch(job());
  sender_.answer(AttemptResult::status_4xx, 429, 4s);
  // The 429'd delivery waits at least the throttle floor (60 s): the 5m tier.
  ASSERT_EQ(writer_.on("hookd.retry.5m").size(), 1u);

  deliverer_.dispatch(job());
  EXPECT_TRUE(sender_.sent.empty());  // paused for 60 s, more than the 5 s the limiter may wait
  const auto deferred = writer_.on("hookd.retry.5m");
  ASSERT_EQ(deferred.size(), 2u);
  EXPECT_EQ(retry_record(*deferred[1]).attempts, 0);  // deferred, not attempted

  clock_.advance(61s);
  deliverer_.dispatch(job());
  EXPECT_EQ(sender_.sent.size(), 1u);  // the pause is over
}

TEST_F(DelivererTest, AGoneEndpointEndsTheDeliveryAtOnce) {
  deliverer_.dispatch(job());
  sender_.answer(AttemptResult::status_4xx, 410);
  ASSERT_EQ(writer_.on("hookd.dlq").size(), 1u);
  EXPECT_EQ(header(*writer_.on("hookd.dlq")[0], "hookd-reason"), "gone");
  writer_.ack_all();
  EXPECT_EQ(committable(), 1);
}

TEST_F(DelivererTest, ARetryRecordOverKafkasSizeLimitBecomesADeadLetter) {
  deliverer_.dispatch(job());
  sender_.answer(AttemptResult::status_5xx, 500);
  ASSERT_EQ(writer_.on("hookd.retry.5s").size(), 1u);
  writer_.ack_all(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  const auto letters = writer_.on("hookd.dlq");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(header(*letters[0], "hookd-reason"), "record_too_large");
  EXPECT_EQ(committable(), -1);  // the dead letter is not durable yet
  writer_.ack_all();
  EXPECT_EQ(committable(), 1);
  EXPECT_FALSE(deliverer_.writes_failing());
}

TEST_F(DelivererTest, ATransientWriteFailureIsWrittenAgainAfterABackOff) {
  deliverer_.dispatch(job());
  sender_.answer(AttemptResult::status_5xx, 500);
  writer_.ack_all(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
  EXPECT_EQ(writer_.on("hookd.retry.5s").size(), 1u);  // not at once: on a timer, never in the ack
  io_.run_for(1s);
  ASSERT_EQ(writer_.on("hookd.retry.5s").size(), 2u);
  EXPECT_EQ(committable(), -1);
  writer_.ack_all();
  EXPECT_EQ(committable(), 1);
}

TEST_F(DelivererTest, APermanentWriteFailureMakesTheWorkerUnhealthyUntilAWriteSucceeds) {
  deliverer_.dispatch(job());
  sender_.answer(AttemptResult::status_5xx, 500);
  writer_.ack_all(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  EXPECT_TRUE(deliverer_.writes_failing());
  EXPECT_EQ(committable(), -1);  // never dropped: still waiting to be written
  io_.run_for(1s);
  ASSERT_EQ(writer_.on("hookd.retry.5s").size(), 2u);
  writer_.ack_all();
  EXPECT_FALSE(deliverer_.writes_failing());
  EXPECT_EQ(committable(), 1);
}

TEST_F(DelivererTest, AFatalWriteLeavesTheEventUncommittedAndSaysSo) {
  deliverer_.dispatch(job());
  sender_.answer(AttemptResult::status_5xx, 500);
  writer_.ack_all(RD_KAFKA_RESP_ERR__FATAL);
  EXPECT_TRUE(deliverer_.writes_fatal());
  io_.run_for(300ms);
  EXPECT_EQ(writer_.records.size(), 1u);  // not tried again
  EXPECT_EQ(committable(), -1);
  EXPECT_EQ(deliverer_.in_flight(), 1);
}

TEST_F(DelivererTest, ADeadLetterOverTheSizeLimitIsAPermanentFailureNotALoop) {
  deliverer_.dispatch(job());
  sender_.answer(AttemptResult::status_4xx, 410);
  writer_.ack_all(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  EXPECT_EQ(writer_.on("hookd.dlq").size(), 1u);  // no second dead letter of the dead letter
  EXPECT_TRUE(deliverer_.writes_failing());
}

TEST_F(DelivererTest, AQueuedRequestIsSignedWhenItLeavesTheQueueWithTheCurrentSecret) {
  deliverer_.dispatch(job());
  const auto queued_at = sender_.header(0, "webhook-timestamp");
  clock_.advance(90s);
  publish(make_webhook(webhook_->url(), webhook_->host(), "whsec_rotated"));
  ASSERT_TRUE(sender_.dequeue());
  EXPECT_EQ(sender_.header(0, "webhook-timestamp"), std::to_string(clock_.unix_ms_now() / 1000));
  EXPECT_NE(sender_.header(0, "webhook-timestamp"), queued_at);
  EXPECT_EQ(sender_.header(0, "x-signature"),
            signing::blue_signature_hex(signing::make_signing_key("whsec_rotated"), R"({"event":"TODO_CREATED"})"));
}

TEST_F(DelivererTest, AQueuedRequestThatLeavesWithinTheSecondItWasSignedInIsNotSignedAgain) {
  deliverer_.dispatch(job());
  const auto signed_headers = sender_.sent.front().request.headers;
  // The fake clock stands still: same second, same webhook. Signing again would allocate
  // (the headers' strings); going out as signed allocates nothing.
  const long before = test_support::allocations();
  ASSERT_TRUE(sender_.dequeue());
  EXPECT_EQ(test_support::allocations() - before, 0);
  EXPECT_EQ(sender_.sent.front().request.headers, signed_headers);
}

TEST_F(DelivererTest, AQueuedRequestOfADisabledOrDeletedWebhookNeverGoesOut) {
  deliverer_.dispatch(job());
  deliverer_.dispatch(job());
  publish(make_webhook(webhook_->url(), webhook_->host(), "s", /*enabled=*/false));
  EXPECT_FALSE(sender_.dequeue());
  publish(nullptr);
  EXPECT_FALSE(sender_.dequeue());
  EXPECT_TRUE(sender_.sent.empty());
  EXPECT_TRUE(writer_.records.empty());  // dropped: no retry record, no dead letter
  EXPECT_EQ(committable(), 2);
  EXPECT_EQ(deliverer_.in_flight(), 0);
}

TEST_F(DelivererTest, AQueuedRequestOfAMovedWebhookGoesToItsNewURL) {
  deliverer_.dispatch(job());
  publish(make_webhook("https://new.example.net/hook", "new.example.net", "s"));
  EXPECT_FALSE(sender_.dequeue());  // withdrawn from the old origin's queue...
  ASSERT_EQ(sender_.sent.size(), 1u);  // ...and posted again, to the new one
  EXPECT_EQ(sender_.sent.front().request.url, "https://new.example.net/hook");
  sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_EQ(committable(), 1);
}

TEST_F(DelivererTest, AQueuedRequestWaitsOutAPauseItsReceiverAskedForMeanwhile) {
  deliverer_.dispatch(job());  // queued behind...
  deliverer_.dispatch(job());  // ...this one, in the fake's order: answer the second first
  std::swap(sender_.sent.front(), sender_.sent.back());
  sender_.answer(AttemptResult::status_4xx, 429, 120s);
  EXPECT_FALSE(sender_.dequeue());  // paused: not sent
  EXPECT_TRUE(sender_.sent.empty());
  // Over the limiter's wait: deferred past the pause (the 5m tier, as the 429'd one) without
  // spending an attempt.
  const auto deferred = writer_.on("hookd.retry.5m");
  ASSERT_EQ(deferred.size(), 2u);
  EXPECT_EQ(retry_record(*deferred[0]).attempts, 1);
  EXPECT_EQ(retry_record(*deferred[1]).attempts, 0);
}

// The same deliverer parts, with a budget of two deliveries (and 4 KiB) in flight per company.
class TenantBudgetTest : public DelivererTest {
 protected:
  TenantBudgetTest()
      : budgeted_({io_, sender_, writer_, metrics_, policy_, health_, rate_limiter_, clock_, snapshots_},
                  {"hookd.retry", "hookd.dlq", "", "hookd/test", {60s}, {.max_in_flight = 2, .max_in_flight_bytes = 4096}}) {
    webhook_ = make_webhook(webhook_->url(), webhook_->host(), "whsec_first", true, "wh_1", "company-a");
    publish(webhook_);
  }

  // A webhook of `company` at an origin of its own.
  static std::shared_ptr<const subscriptions::Subscription> webhook_of(const std::string& company,
                                                                       const std::string& id) {
    return make_webhook("https://" + id + ".example.com/in", id + ".example.com", "whsec_x", true, id,
                        company);
  }
  std::int64_t in_flight(std::string_view company) const { return budgeted_.tenant_budget().in_flight(company); }
  double over_budget() {
    return metrics::Metrics::with(metrics_.delivery_attempts, "result", "tenant_over_budget").Value();
  }

  Deliverer budgeted_;
};

TEST_F(TenantBudgetTest, ACompanyAtItsBudgetHasItsNextDeliveryDeferredWhileAnotherCompanysGoesOut) {
  const auto a = webhook_of("company-a", "wh_a");
  const auto b = webhook_of("company-b", "wh_b");
  budgeted_.dispatch(job(1, -1, a));
  budgeted_.dispatch(job(1, -1, a));
  ASSERT_EQ(sender_.sent.size(), 2u);  // slow receivers: neither answers yet

  budgeted_.dispatch(job(1, -1, a));
  EXPECT_EQ(sender_.sent.size(), 2u) << "over company-a's budget: no request";
  const auto deferred = writer_.on("hookd.retry.5s");
  ASSERT_EQ(deferred.size(), 1u);  // the first tier, like an origin at its cap
  const auto record = retry_record(*deferred[0]);
  EXPECT_EQ(record.webhook_id, "wh_a");
  EXPECT_EQ(record.attempts, 0);  // deferred, not attempted
  EXPECT_EQ(record.step, 0);
  EXPECT_TRUE(record.history.empty());
  EXPECT_EQ(over_budget(), 1);

  budgeted_.dispatch(job(1, -1, b));
  ASSERT_EQ(sender_.sent.size(), 3u) << "another company is not held back by company-a";
  EXPECT_EQ(sender_.sent.back().request.url, b->url());

  // The deferred event is in flight until its retry record is durable, then done.
  EXPECT_EQ(budgeted_.in_flight(), 4);
  writer_.ack_all();
  EXPECT_EQ(budgeted_.in_flight(), 3);
  // A finished delivery frees its share: company-a's next one goes out.
  sender_.answer(AttemptResult::success_2xx, 200);
  budgeted_.dispatch(job(1, -1, a));
  EXPECT_EQ(sender_.sent.size(), 3u);  // company-a's second, company-b's, and this one
  EXPECT_EQ(sender_.sent.back().request.url, a->url());
  EXPECT_EQ(over_budget(), 1);
}

TEST_F(TenantBudgetTest, TheBudgetIsGivenBackOnEveryCompletionPath) {
  // The test keeps every job alive: only the deliverer finishing it may give its share back.
  std::vector<std::shared_ptr<DeliveryJob>> held;
  const auto send = [&] {
    held.push_back(job());
    budgeted_.dispatch(held.back());
    EXPECT_EQ(in_flight("company-a"), 1);
  };

  send();  // delivered
  sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_EQ(in_flight("company-a"), 0) << "after a 2xx";

  send();  // failed: held until its retry record is durable
  sender_.answer(AttemptResult::status_5xx, 500);
  EXPECT_EQ(in_flight("company-a"), 1) << "the retry record is not durable yet";
  writer_.ack_all();
  EXPECT_EQ(in_flight("company-a"), 0) << "after the retry record";

  send();  // dropped: its webhook was disabled while the request queued
  publish(make_webhook(webhook_->url(), webhook_->host(), "whsec_first", /*enabled=*/false));
  EXPECT_FALSE(sender_.dequeue());
  EXPECT_EQ(in_flight("company-a"), 0) << "after a drop";
  publish(webhook_);

  send();  // withdrawn from its queue (moved) and admitted again: keeps its share until done
  publish(webhook_of("company-a", "wh_1"));
  EXPECT_FALSE(sender_.dequeue());
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(in_flight("company-a"), 1) << "still in flight at its new URL";
  sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_EQ(in_flight("company-a"), 0) << "after the re-admitted delivery";
  publish(webhook_);

  send();  // final failure: a dead letter
  sender_.answer(AttemptResult::status_4xx, 410);
  writer_.ack_all();
  EXPECT_EQ(in_flight("company-a"), 0) << "after a dead letter";

  // Shutdown: the sender (a stopped io_context) drops a request unanswered; the job is
  // destroyed unfinished and its event stays uncommitted, but the budget is given back.
  auto unfinished = job();
  budgeted_.dispatch(unfinished);
  unfinished.reset();
  EXPECT_EQ(in_flight("company-a"), 1);
  sender_.sent.clear();
  EXPECT_EQ(in_flight("company-a"), 0) << "after a job was dropped unfinished";
}

TEST_F(TenantBudgetTest, AFanOutToManyWebhooksOfOneCompanySendsOnlyItsBudgetAndDefersTheRest) {
  constexpr int kWebhooks = 10;
  const auto event = ticket(kWebhooks);
  const auto offset = event->pending.position().offset;
  for (int i = 0; i < kWebhooks; ++i) {
    budgeted_.dispatch(job(1, -1, webhook_of("company-a", "wh_" + std::to_string(i)), event));
  }
  EXPECT_EQ(sender_.sent.size(), 2u) << "requests built and signed stop at the budget";
  EXPECT_EQ(writer_.on("hookd.retry.5s").size(), kWebhooks - 2u);
  EXPECT_EQ(over_budget(), kWebhooks - 2);

  // At least once: the event commits only when both sent deliveries and all eight deferrals
  // are durable.
  sender_.answer(AttemptResult::success_2xx, 200);
  sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_EQ(committable(), -1);
  writer_.ack_all();
  EXPECT_EQ(committable(), offset + 1);
  EXPECT_EQ(in_flight("company-a"), 0);
}

TEST_F(TenantBudgetTest, ABudgetEqualToTheGlobalCapsIsOffEvenWhenAFanOutGoesPastThem) {
  // The poll loop takes an event while under the global cap of 2, so its ten deliveries put
  // the company at 10 in flight: a budget "equal to the cap" must not defer eight of them.
  Deliverer unbudgeted({io_, sender_, writer_, metrics_, policy_, health_, rate_limiter_, clock_, snapshots_},
                       {"hookd.retry", "hookd.dlq", "", "hookd/test", {60s},
                        TenantBudget::within_global_caps({.max_in_flight = 2, .max_in_flight_bytes = 4096}, 2, 4096)});
  constexpr int kWebhooks = 10;
  const auto event = ticket(kWebhooks);
  for (int i = 0; i < kWebhooks; ++i) {
    unbudgeted.dispatch(job(1, -1, webhook_of("company-a", "wh_" + std::to_string(i)), event));
  }
  EXPECT_EQ(sender_.sent.size(), static_cast<std::size_t>(kWebhooks));
  EXPECT_TRUE(writer_.on("hookd.retry.5s").empty());
  EXPECT_EQ(over_budget(), 0);
  for (int i = 0; i < kWebhooks; ++i) sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_EQ(committable(), event->pending.position().offset + 1);
  EXPECT_EQ(unbudgeted.in_flight(), 0);
}

TEST_F(TenantBudgetTest, TheByteBudgetDefersTooButAnIdleCompanysLargeDeliveryStillGoesOut) {
  auto large = job();
  large->body = std::make_shared<const std::string>(8000, ' ');  // over the 4 KiB budget alone
  budgeted_.dispatch(large);
  ASSERT_EQ(sender_.sent.size(), 1u) << "nothing else of its company in flight: it goes out";

  budgeted_.dispatch(job());  // one in flight by count, but no bytes left
  EXPECT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(over_budget(), 1);

  sender_.answer(AttemptResult::success_2xx, 200);
  budgeted_.dispatch(job());
  EXPECT_EQ(sender_.sent.size(), 1u) << "the bytes were given back";
}


// The same budget of two, with a wait queue of three deliveries joined while the expected wait
// is within 1 s.
class TenantQueueTest : public TenantBudgetTest {
 protected:
  TenantQueueTest()
      : queueing_({io_, sender_, writer_, metrics_, policy_, health_, rate_limiter_, clock_, snapshots_},
                  {"hookd.retry", "hookd.dlq", "", "hookd/test", {60s},
                   {.max_in_flight = 2, .max_in_flight_bytes = 1 << 20, .max_queued = 3, .max_queued_bytes = 1 << 20,
                    .max_queue_wait = 1000ms}}) {}

  // `to` becomes the current webhook, and one delivery to it takes 10 ms: its company's pace
  // is known. Its event is offset 0.
  void warm(Deliverer& deliverer, const std::shared_ptr<const subscriptions::Subscription>& to) {
    publish(to);
    deliverer.dispatch(job(1, -1, to));
    clock_.advance(10ms);
    sender_.answer(AttemptResult::success_2xx, 200);
    ASSERT_EQ(committable(), 1);
  }
  std::int64_t in_flight(std::string_view company) const { return queueing_.tenant_budget().in_flight(company); }
  std::int64_t queued(std::string_view company) const { return queueing_.tenant_budget().queued(company); }
  double waited() { return metrics::Metrics::with(metrics_.deliveries_deferred, "reason", "tenant_queue").Value(); }

  Deliverer queueing_;
};

TEST_F(TenantQueueTest, ABusyCompanyAtItsBudgetWaitsForItsOwnDeliveriesInsteadOfARetryRecord) {
  const auto a = webhook_of("company-a", "wh_a");
  warm(queueing_, a);
  for (int i = 0; i < 4; ++i) queueing_.dispatch(job(1, -1, a));
  EXPECT_EQ(sender_.sent.size(), 2u) << "the budget still bounds what is sent";
  EXPECT_EQ(queued("company-a"), 2);
  EXPECT_TRUE(writer_.records.empty()) << "no retry record for a company that is only busy";
  EXPECT_EQ(queueing_.in_flight(), 4) << "queued deliveries count in the global cap";
  EXPECT_EQ(waited(), 2);

  // Each finished delivery hands its share to the oldest waiting one.
  clock_.advance(10ms);
  sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_EQ(committable(), 2);
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent.back().request.url, a->url());
  EXPECT_EQ(queued("company-a"), 1);
  EXPECT_EQ(in_flight("company-a"), 2);
  for (int i = 0; i < 3; ++i) sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_TRUE(sender_.sent.empty());
  EXPECT_EQ(committable(), 5) << "every event committed";
  EXPECT_TRUE(writer_.records.empty());
  EXPECT_EQ(over_budget(), 0);
  EXPECT_EQ(queueing_.in_flight(), 0);
  EXPECT_EQ(in_flight("company-a"), 0);
}

TEST_F(TenantQueueTest, ACompanyWhosePaceIsUnknownOrSlowIsDeferredNotQueued) {
  const auto a = webhook_of("company-a", "wh_a");
  queueing_.dispatch(job(1, -1, a));
  queueing_.dispatch(job(1, -1, a));
  queueing_.dispatch(job(1, -1, a));
  EXPECT_EQ(queued("company-a"), 0) << "nothing of company-a has finished yet: its pace is unknown";
  EXPECT_EQ(over_budget(), 1);

  clock_.advance(10ms);
  sender_.answer(AttemptResult::success_2xx, 200);  // held 10 ms: a fast company
  queueing_.dispatch(job(1, -1, a));
  queueing_.dispatch(job(1, -1, a));
  EXPECT_EQ(queued("company-a"), 1) << "expected to wait about 5 ms: queued";

  // Its receivers slow down (2xx, but nothing has finished for 3 s): the next one would wait
  // about 3 s for a share, over the 1 s the queue promises.
  clock_.advance(3s);
  queueing_.dispatch(job(1, -1, a));
  EXPECT_EQ(queued("company-a"), 1);
  const auto deferred = writer_.on("hookd.retry.5s");
  ASSERT_EQ(deferred.size(), 2u);
  EXPECT_EQ(retry_record(*deferred[1]).attempts, 0);
  EXPECT_EQ(over_budget(), 2);
  EXPECT_EQ(sender_.sent.size(), 2u);
  sender_.sent.clear();
}

TEST_F(TenantQueueTest, AQueuedDeliveryThatWaitedFarLongerThanPromisedIsDeferredWhenItsCompanyNextFinishes) {
  const auto a = webhook_of("company-a", "wh_a");
  warm(queueing_, a);
  for (int i = 0; i < 4; ++i) queueing_.dispatch(job(1, -1, a));
  EXPECT_EQ(queued("company-a"), 2);
  EXPECT_TRUE(writer_.records.empty());

  clock_.advance(3s);  // over twice the 1 s wait
  sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_EQ(sender_.sent.size(), 2u) << "the oldest takes the freed share";
  EXPECT_EQ(queued("company-a"), 0) << "the other is not kept waiting";
  const auto deferred = writer_.on("hookd.retry.5s");
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_EQ(retry_record(*deferred[0]).attempts, 0);
  EXPECT_EQ(over_budget(), 1);
  // At least once: its event commits only once the retry record is durable.
  sender_.answer(AttemptResult::success_2xx, 200);
  sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_EQ(committable(), 4);
  writer_.ack_all();
  EXPECT_EQ(committable(), 5);
  EXPECT_EQ(queueing_.in_flight(), 0);
}

TEST_F(TenantQueueTest, TheQueueIsBoundedInCountAndInBytes) {
  const auto a = webhook_of("company-a", "wh_a");
  warm(queueing_, a);
  for (int i = 0; i < 6; ++i) queueing_.dispatch(job(1, -1, a));
  EXPECT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(queued("company-a"), 3);
  EXPECT_EQ(writer_.on("hookd.retry.5s").size(), 1u) << "the fourth over the budget: the queue is full";
  EXPECT_EQ(over_budget(), 1);

  // 2.5 KiB of queue: two of the test's deliveries (each its body and 1 KiB) fit, a third not.
  Deliverer by_bytes({io_, sender_, writer_, metrics_, policy_, health_, rate_limiter_, clock_, snapshots_},
                     {"hookd.retry", "hookd.dlq", "", "hookd/test", {60s},
                      {.max_in_flight = 2, .max_in_flight_bytes = 1 << 20, .max_queued = 10, .max_queued_bytes = 2560,
                       .max_queue_wait = 1000ms}});
  const auto b = webhook_of("company-b", "wh_b");
  sender_.sent.clear();
  by_bytes.dispatch(job(1, -1, b));
  clock_.advance(10ms);
  sender_.answer(AttemptResult::success_2xx, 200);
  for (int i = 0; i < 5; ++i) by_bytes.dispatch(job(1, -1, b));
  EXPECT_EQ(by_bytes.tenant_budget().queued("company-b"), 2);
  EXPECT_EQ(writer_.on("hookd.retry.5s").size(), 2u);
  EXPECT_EQ(over_budget(), 2);
  sender_.sent.clear();  // shutdown: nothing more is answered
}

TEST_F(TenantQueueTest, AQueuedDeliveryIsWithdrawnAsARequestLeavingItsOriginsQueueIs) {
  const auto a = webhook_of("company-a", "wh_a");
  const auto moving = webhook_of("company-a", "wh_m");
  warm(queueing_, a);
  queueing_.dispatch(job(1, -1, a));
  queueing_.dispatch(job(1, -1, a));
  queueing_.dispatch(job(1, -1, a));       // queued, then its webhook is deleted
  queueing_.dispatch(job(1, -1, moving));  // queued, then its webhook moves
  ASSERT_EQ(queued("company-a"), 2);
  publish(make_webhook("https://new.example.net/hook", "new.example.net", "whsec_x", true, "wh_m",
                       "company-a"));  // the snapshot has wh_m at its new URL, and no wh_a

  sender_.answer(AttemptResult::success_2xx, 200);
  // The deleted one took the share, was dropped (nothing written), and handed it on.
  EXPECT_EQ(metrics::Metrics::with(metrics_.retries_dropped, "reason", "deleted").Value(), 1);
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent.back().request.url, "https://new.example.net/hook");
  EXPECT_TRUE(writer_.records.empty());
  EXPECT_EQ(committable(), 2);
  sender_.answer(AttemptResult::success_2xx, 200);
  sender_.answer(AttemptResult::success_2xx, 200);
  EXPECT_EQ(committable(), 5);
  EXPECT_EQ(in_flight("company-a"), 0);
  EXPECT_EQ(queueing_.in_flight(), 0);
}

TEST_F(TenantQueueTest, AQueuedDeliveryMeetsAnOpenBreakerWhenItLeavesTheQueue) {
  const auto a = webhook_of("company-a", "wh_a");
  warm(queueing_, a);
  queueing_.dispatch(job(1, -1, a));
  queueing_.dispatch(job(1, -1, a));
  queueing_.dispatch(job(1, -1, a));
  ASSERT_EQ(queued("company-a"), 1);
  // The breaker opens while it waits (three failures, the fixture's threshold).
  for (int i = 0; i < 3; ++i) health_.record("wh_a", {health::Verdict::failure, "5xx", 500});

  sender_.answer(AttemptResult::status_5xx, 500);
  EXPECT_EQ(queued("company-a"), 1) << "the share is held until the retry record is durable";
  writer_.ack_all();
  EXPECT_EQ(queued("company-a"), 0);
  EXPECT_EQ(sender_.sent.size(), 1u) << "deferred by the breaker, not sent";
  EXPECT_EQ(metrics::Metrics::with(metrics_.deliveries_deferred, "reason", "breaker").Value(), 1);
  const auto deferred = writer_.on("hookd.retry.5s");
  ASSERT_EQ(deferred.size(), 2u);  // the failed attempt's retry, then the deferral
  EXPECT_EQ(retry_record(*deferred[1]).history.back().result, "breaker_open");
  EXPECT_EQ(in_flight("company-a"), 2) << "a deferral holds its share until its record is durable";
  writer_.ack_all();
  EXPECT_EQ(in_flight("company-a"), 1) << "only the one still sent holds a share";
  sender_.sent.clear();
}

TEST_F(TenantQueueTest, AnotherCompanyIsAdmittedAtOnceWhileOneCompanyQueues) {
  const auto a = webhook_of("company-a", "wh_a");
  const auto b = webhook_of("company-b", "wh_b");
  warm(queueing_, a);
  for (int i = 0; i < 5; ++i) queueing_.dispatch(job(1, -1, a));
  ASSERT_EQ(queued("company-a"), 3);
  queueing_.dispatch(job(1, -1, b));
  ASSERT_EQ(sender_.sent.size(), 3u);
  EXPECT_EQ(sender_.sent.back().request.url, b->url());
  EXPECT_EQ(queued("company-b"), 0);
  sender_.answer(AttemptResult::success_2xx, 200);  // company-a's first: its share goes on
  EXPECT_EQ(queued("company-a"), 2);
  EXPECT_EQ(sender_.sent.back().request.url, a->url());
  EXPECT_TRUE(writer_.records.empty());
  sender_.sent.clear();
}

}  // namespace
}  // namespace hookd::dispatch
