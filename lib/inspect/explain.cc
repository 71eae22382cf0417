#include "inspect/explain.h"

#include "subscriptions/filter_document.h"

#include <algorithm>

namespace hookd::inspect {
namespace {

std::string listed(subscriptions::Subscription::TextList values) {
  std::string out = "[";
  for (std::string_view v : values) {
    if (out.size() > 1) out += ", ";
    out += v;
  }
  return out + "]";
}

}  // namespace

Explanation explain(const subscriptions::Snapshot& snapshot, std::string_view webhook_id,
                    const events::Event& event) {
  Explanation out;
  const subscriptions::Subscription* webhook = snapshot.find(webhook_id);
  if (webhook == nullptr) {
    out.failed.push_back("webhook");
    out.lines.push_back("FAIL webhook: " + std::string(webhook_id) +
                        " is not in the subscription snapshot (deleted, never published, or its record was refused)");
    return out;
  }
  auto rule = [&out](bool ok, const char* name, const std::string& detail) {
    out.lines.push_back(std::string(ok ? "ok   " : "FAIL ") + name + ": " + detail);
    if (!ok) out.failed.push_back(name);
  };
  rule(webhook->enabled(), "enabled", webhook->enabled() ? "yes" : "no: a disabled webhook matches nothing");
  const bool same_company = webhook->company_id() == event.company_id;
  rule(same_company, "company",
       "event " + std::string(event.company_id) + (same_company ? " = " : " != ") + "webhook companyId " +
           std::string(webhook->company_id()));
  if (webhook->events().empty()) {
    rule(true, "event type", std::string(event.type) + " (metadata.events is empty: every type)");
  } else {
    const bool listed_type = webhook->events().contains(event.type);
    rule(listed_type, "event type",
         std::string(event.type) + (listed_type ? " is in " : " is not in ") + "metadata.events " +
             listed(webhook->events()));
  }
  if (webhook->project_ids().empty()) {
    rule(true, "project", "metadata.projectIds is empty: every project (and none)");
  } else if (!event.has_project) {
    rule(false, "project", "the event has no project; metadata.projectIds " + listed(webhook->project_ids()));
  } else {
    const bool listed_project = webhook->project_ids().contains(event.project_id);
    rule(listed_project, "project",
         std::string(event.project_id) + (listed_project ? " is in " : " is not in ") + "metadata.projectIds " +
             listed(webhook->project_ids()));
  }
  if (webhook->filter() == nullptr) {
    rule(true, "filter", "none");
  } else {
    subscriptions::EventDocument document;
    document.reset(event);
    const auto lines = webhook->filter()->explain(document);
    rule(lines.front().holds, "filter", lines.front().holds ? "holds" : "does not hold");
    for (const auto& line : lines) {
      out.lines.push_back("       " + std::string(2 * line.depth, ' ') + (line.holds ? "ok   " : "FAIL ") + line.text);
    }
  }

  std::vector<const subscriptions::Subscription*> matched;
  snapshot.match(event, matched);
  out.match = std::any_of(matched.begin(), matched.end(),
                          [&](const subscriptions::Subscription* s) { return s->id() == webhook_id; });
  if (out.match != out.failed.empty()) {
    // Should never happen: the lines would then misdescribe what the worker does.
    out.lines.push_back("FAIL explain: the snapshot's match says " + std::string(out.match ? "match" : "no match") +
                        ", the rules above disagree; please report this");
  }
  return out;
}

}  // namespace hookd::inspect
