#include "subscriptions/snapshot.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_records.h"

namespace hookd::subscriptions {
namespace {

using testing::event;
using testing::make;
using testing::Record;

Snapshot snapshot_of(std::initializer_list<Record> records) {
  SubscriptionsById by_id;
  for (const Record& r : records) by_id.insert(make(r));
  return Snapshot(std::move(by_id));
}

std::vector<std::string> matched_ids(const Snapshot& snapshot, const events::Event& e) {
  std::vector<const Subscription*> out;
  snapshot.match(e, out);
  std::vector<std::string> ids;
  for (const Subscription* s : out) ids.emplace_back(s->id());
  return ids;
}

using Ids = std::vector<std::string>;

TEST(SnapshotMatch, EmptySnapshotMatchesNothing) {
  Snapshot empty;
  EXPECT_EQ(matched_ids(empty, event("c1", "TODO_CREATED", "p1")), Ids{});
  EXPECT_EQ(empty.size(), 0u);
}

TEST(SnapshotMatch, TenantIsolation) {
  // The same project id and event type under two companies: each event reaches only its own
  // company's webhooks, whatever the subscription's project list says.
  Snapshot s = snapshot_of({
      {.id = "a-all", .company = "acme"},
      {.id = "a-p1", .company = "acme", .projects = {"p1"}},
      {.id = "b-all", .company = "bolt"},
      {.id = "b-p1", .company = "bolt", .events = {"TODO_CREATED"}, .projects = {"p1"}},
  });
  EXPECT_EQ(matched_ids(s, event("acme", "TODO_CREATED", "p1")), (Ids{"a-all", "a-p1"}));
  EXPECT_EQ(matched_ids(s, event("bolt", "TODO_CREATED", "p1")), (Ids{"b-all", "b-p1"}));
  EXPECT_EQ(matched_ids(s, event("other", "TODO_CREATED", "p1")), Ids{});
  // Company ids are compared exactly: no prefix, case or empty-string matches.
  EXPECT_EQ(matched_ids(s, event("acm", "TODO_CREATED", "p1")), Ids{});
  EXPECT_EQ(matched_ids(s, event("ACME", "TODO_CREATED", "p1")), Ids{});
  EXPECT_EQ(matched_ids(s, event("", "TODO_CREATED", "p1")), Ids{});
}

TEST(SnapshotMatch, EventTypeScoping) {
  Snapshot s = snapshot_of({
      {.id = "all"},
      {.id = "todos", .events = {"TODO_CREATED", "TODO_DELETED"}},
      {.id = "comments", .events = {"COMMENT_CREATED"}},
  });
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_CREATED")), (Ids{"all", "todos"}));
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_DELETED")), (Ids{"all", "todos"}));
  EXPECT_EQ(matched_ids(s, event("c1", "COMMENT_CREATED")), (Ids{"all", "comments"}));
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_MOVED")), (Ids{"all"}));
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_CREATE")), (Ids{"all"}));  // no prefix matching
}

TEST(SnapshotMatch, ProjectScoping) {
  Snapshot s = snapshot_of({
      {.id = "any-project"},
      {.id = "p1-only", .projects = {"p1"}},
      {.id = "p1-or-p2", .projects = {"p2", "p1"}},
  });
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_CREATED", "p1")), (Ids{"any-project", "p1-only", "p1-or-p2"}));
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_CREATED", "p2")), (Ids{"any-project", "p1-or-p2"}));
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_CREATED", "p3")), (Ids{"any-project"}));
  // An event without a project matches only webhooks with an empty project list.
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_CREATED")), (Ids{"any-project"}));
}

TEST(SnapshotMatch, EventWithoutProjectIgnoresStaleProjectId) {
  Snapshot s = snapshot_of({{.id = "p1-only", .projects = {"p1"}}});
  events::Event e = event("c1", "TODO_CREATED");
  e.project_id = "p1";  // has_project is what counts
  e.has_project = false;
  EXPECT_EQ(matched_ids(s, e), Ids{});
}

TEST(SnapshotMatch, TypeAndProjectMustBothMatch) {
  Snapshot s = snapshot_of({{.id = "w", .events = {"TODO_CREATED"}, .projects = {"p1"}}});
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_CREATED", "p1")), Ids{"w"});
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_DELETED", "p1")), Ids{});
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_CREATED", "p2")), Ids{});
}

TEST(SnapshotMatch, DisabledNeverMatchesButIsFoundAndCounted) {
  Snapshot s = snapshot_of({
      {.id = "on"},
      {.id = "off", .enabled = false},
      {.id = "other-off", .company = "c2", .enabled = false},
  });
  EXPECT_EQ(matched_ids(s, event("c1", "TODO_CREATED", "p1")), Ids{"on"});
  EXPECT_EQ(matched_ids(s, event("c2", "TODO_CREATED", "p1")), Ids{});
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.enabled_count(), 1u);
  EXPECT_EQ(s.disabled_count(), 2u);
  ASSERT_NE(s.find("off"), nullptr);
  EXPECT_FALSE(s.find("off")->enabled());
  EXPECT_EQ(s.find("missing"), nullptr);
}

TEST(SnapshotMatch, AppendsToOutput) {
  Snapshot s = snapshot_of({{.id = "w"}});
  std::vector<const Subscription*> out{nullptr};
  s.match(event("c1", "X"), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1]->id(), "w");
}

TEST(SnapshotMatch, ManyCompaniesMatchOnlyTheirOwn) {
  // 10k webhooks over 1000 companies: an event sees exactly its company's ten.
  SubscriptionsById by_id;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = "w" + std::to_string(i);
    const std::string company = "c" + std::to_string(i % 1000);
    by_id.insert(make({.id = id, .company = company, .events = {"TODO_CREATED"}}));
  }
  Snapshot s(std::move(by_id));
  std::vector<const Subscription*> out;
  s.match(event("c7", "TODO_CREATED", "p"), out);
  ASSERT_EQ(out.size(), 10u);
  for (const Subscription* sub : out) EXPECT_EQ(sub->company_id(), "c7");
}

TEST(SnapshotMatch, SubscriptionOutlivesSnapshotThroughSharedFromThis) {
  std::shared_ptr<const Subscription> kept;
  {
    Snapshot s = snapshot_of({{.id = "w"}});
    std::vector<const Subscription*> out;
    s.match(event("c1", "X"), out);
    ASSERT_EQ(out.size(), 1u);
    kept = out[0]->shared_from_this();
  }
  EXPECT_EQ(kept->id(), "w");
}

}  // namespace
}  // namespace hookd::subscriptions
