#include "hotpath/fixture.h"

#include <stdexcept>

#include "subscriptions/table.h"

namespace hookd::bench {

std::string company_id(int n) { return "clakt8jud" + std::to_string(100000 + n) + "vt64205yy"; }

namespace {

std::string webhook_id(int company, int n) {
  return "clb4qaopy" + std::to_string(100000 + company) + "w" + std::to_string(n) + "vt24ml";
}

// The seed's project; webhooks 8 and 9 of each company are scoped so the event misses them.
constexpr const char* kProject = "clakt90vu000bvt64hhffqleq";

std::string webhook_json(int company, int n) {
  const std::string id = webhook_id(company, n);
  std::string events = R"(["TODO_CREATED","TODO_DELETED","TODO_MOVED","TODO_NAME_CHANGED","COMMENT_CREATED"])";
  std::string projects = std::string(R"([")") + kProject + R"(","claulnu1y0000vtrcjurjgds4"])";
  if (n == 8) events = R"(["COMMENT_CREATED","COMMENT_DELETED"])";  // wrong event type
  if (n == 9) projects = R"(["clb4gay0y000qvtzs8smaays8"])";          // wrong project
  if (n % 3 == 2) projects = "[]";                                        // every project
  return R"({"id":")" + id + R"(","uid":"edb5b5d51dc9461a952160dbe72153b4","name":"Webhook )" +
         std::to_string(n) + R"(","url":"https://hooks-)" + std::to_string(company) +
         R"(.example.com/blue/)" + id + R"(?token=abc","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",)"
         R"("status":"HEALTHY","enabled":true,"companyId":")" + company_id(company) +
         R"(","metadata":{"events":)" + events + R"(,"projectIds":)" + projects +
         R"(},"createdById":"claksl2ye0000vtas0h0ln71e","createdAt":"2022-12-01T07:01:25.014Z",)"
         R"("updatedAt":"2022-12-01T11:23:00.661Z"})";
}

}  // namespace

std::string benchmark_company() { return company_id(kCompanies / 2); }

std::string seed_event(const std::string& event_id, const std::string& company) {
  return R"({"id":")" + event_id + R"(","event":"TODO_CREATED","occurredAt":"2022-12-01T11:23:09.241Z",)"
         R"("company":{"id":")" + company + R"(","uid":"400eb3f8238c486caf40957618be9662","slug":"rogue","name":"Rogue"},)"
         R"("project":{"id":")" + std::string(kProject) + R"(","uid":"d7db469a8908496f8e5f5e68030fe4c8","slug":"teest","name":"TEEST"},)"
         R"("user":{"id":"claksl2ye0000vtas0h0ln71e","uid":"f0c4e2c1a3e14f9e9b8f1d2a0c6b7e55","fullName":"Jane Doe","email":"jane@example.com"},)"
         R"("previousValue":null,"currentValue":{"id":"clb4zna6x0000vt1swuwso25f","uid":"11021cb836f34732b31e5ebd5dd5eb27",)"
         R"("title":"GGGG","html":null,"text":null,"position":"32767.5","archived":false,"done":false,"startedAt":null,)"
         R"("duedAt":null,"timezone":null,"createdAt":"2022-12-01T11:23:09.000Z","updatedAt":"2022-12-01T11:23:09.241Z",)"
         R"("createdById":"claksl2ye0000vtas0h0ln71e","todoListId":"clakt9v5t000kvt64f563l90l","todoCustomFields":[],)"
         R"("todoUsers":[],"todoTags":[],"todoList":{"id":"clakt9v5t000kvt64f563l90l","uid":"df0e931e6e8f4fc2905ece9da167d2d3",)"
         R"("createdAt":"2022-11-17T08:29:22.000Z","updatedAt":"2022-11-17T08:29:22.050Z","title":"ETEST","position":131070,)"
         R"("createdById":"claksl2ye0000vtas0h0ln71e","projectId":"clakt90vu000bvt64hhffqleq","project":{"id":"clakt90vu000bvt64hhffqleq",)"
         R"("uid":"d7db469a8908496f8e5f5e68030fe4c8","slug":"teest","name":"TEEST","description":"","archived":false,)"
         R"("createdAt":"2022-11-17T08:28:43.000Z","updatedAt":"2022-11-17T08:28:42.811Z","isTemplate":false,)"
         R"("isOfficialTemplate":false,"category":"GENERAL","companyId":"clakt8jud0002vt64205yyj10","imageId":null,)"
         R"("hideEmailFromRoles":null,"company":{"id":"clakt8jud0002vt64205yyj10","uid":"400eb3f8238c486caf40957618be9662",)"
         R"("slug":"rogue","name":"Rogue","description":null,"createdAt":"2022-11-17T08:28:21.000Z",)"
         R"("updatedAt":"2022-11-17T08:28:20.726Z","freeTrialExpiredAt":"2022-12-01T08:28:15.000Z",)"
         R"("freeTrialStartedAt":"2022-11-17T08:28:15.000Z","subscribedAt":null,"imageId":null,)"
         R"("subscriptionPlanId":"clakt8jue0003vt64e40q2prj","freeTrialExtendedById":null,"freeTrialExtendedAt":null}}}}})";
}

std::shared_ptr<const subscriptions::Snapshot> build_snapshot() {
  subscriptions::SubscriptionTable table;
  for (int c = 0; c < kCompanies; ++c) {
    for (int n = 0; n < kWebhooksPerCompany; ++n) {
      const std::string id = webhook_id(c, n);
      if (auto invalid = table.apply(id, webhook_json(c, n))) {
        throw std::runtime_error("benchmark subscription refused: " + invalid->detail);
      }
    }
  }
  return table.build_snapshot();
}

}  // namespace hookd::bench
