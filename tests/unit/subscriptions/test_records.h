// Builders for subscription records and events shared by the subscriptions tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "events/envelope.h"
#include "subscriptions/parse.h"

namespace hookd::subscriptions::testing {

struct Record {
  std::string id;
  std::string company = "c1";
  std::vector<std::string> events = {};
  std::vector<std::string> projects = {};
  bool enabled = true;
  std::string url = "https://hooks.example/in";
  std::string secret = "";
};

inline std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += item;
    out += '"';
  }
  return out + "]";
}

inline std::string to_json(const Record& r) {
  return R"({"id":")" + r.id + R"(","companyId":")" + r.company + R"(","url":")" + r.url +
         R"(","secret":")" + r.secret + R"(","enabled":)" + (r.enabled ? "true" : "false") +
         R"(,"metadata":{"events":)" + json_list(r.events) + R"(,"projectIds":)" +
         json_list(r.projects) + "}}";
}

inline std::shared_ptr<const Subscription> make(const Record& r) {
  ParseResult result = parse_subscription(r.id, to_json(r));
  if (const auto* bad = std::get_if<Invalid>(&result)) {
    ADD_FAILURE() << "refused: " << bad->detail;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Subscription>>(result);
}

// An event of `type` for `company`, in `project` unless it is empty.
inline events::Event event(std::string_view company, std::string_view type,
                           std::string_view project = "") {
  events::Event e;
  e.id = "evt_1";
  e.type = type;
  e.occurred_at = "2022-12-01T11:23:09.241Z";
  e.company_id = company;
  e.project_id = project;
  e.has_project = !project.empty();
  return e;
}

}  // namespace hookd::subscriptions::testing
