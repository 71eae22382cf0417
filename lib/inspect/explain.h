// `hookd explain`: would this event be delivered to this webhook, and if not, which rule says
// no? The verdict is the snapshot's own match (what the worker runs); the lines walk the same
// rules one by one (subscriptions/snapshot.h: enabled, company, event type, project, filter)
// and the filter clause by clause (Filter::explain).
#pragma once

#include "events/envelope.h"
#include "subscriptions/snapshot.h"

#include <string>
#include <string_view>
#include <vector>

namespace hookd::inspect {

struct Explanation {
  bool match = false;              // Snapshot::match delivers the event to the webhook
  std::vector<std::string> lines;  // "ok   ..." / "FAIL ..." per rule, the filter's clauses indented
  std::vector<std::string> failed;  // the rules that failed: "enabled", "company", "event type", ...
};

Explanation explain(const subscriptions::Snapshot& snapshot, std::string_view webhook_id,
                    const events::Event& event);

}  // namespace hookd::inspect
