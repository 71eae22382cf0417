#include "subscriptions/filler_records.h"

#include <cstdio>

namespace hookd::bench {

std::string filler_subscription(long n, long companies) {
  char id[32];
  char company[32];
  std::snprintf(id, sizeof id, "sub-%09ld", n);
  std::snprintf(company, sizeof company, "company-%07ld", n % companies);
  std::string json = R"({"id":")" + std::string(id) + R"(","uid":"uid-)" + id +
                     R"(","name":"CRM sync for )" + company + R"(","url":"https://hooks-)" + std::to_string(n % 977) +
                     R"(.example.com/blue/webhooks/)" + id +
                     R"(","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","status":"HEALTHY","enabled":true,)"
                     R"("companyId":")" + company +
                     R"(","metadata":{"events":["TODO_CREATED","TODO_DELETED","COMMENT_CREATED"],)"
                     R"("projectIds":["clakt90vu000bvt64hhffqleq"]},)";
  if (n % 10 == 0) json += R"("filter":{"currentValue.done":{"$eq":true}},)";
  json += R"("createdById":"claksl2ye0000vtas0h0ln71e","createdAt":"2022-12-01T07:01:25.014Z"})";
  return json;
}

}  // namespace hookd::bench
