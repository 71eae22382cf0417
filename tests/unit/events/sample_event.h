// A realistic TODO_CREATED envelope modelled on the seed documentation's example payload
// (Blue's webhook documentation): the todo record after creation, with its nested list, project
// and company, as the Blue application would publish it to `blue.events`.
#pragma once

#include <string_view>

namespace hookd::events::testing {

inline constexpr std::string_view kTodoCreated = R"({
  "id": "evt_clb4zna6x0000vt1swuwso25f_1",
  "event": "TODO_CREATED",
  "occurredAt": "2022-12-01T11:23:09.241Z",
  "company": {"id": "clakt8jud0002vt64205yyj10"},
  "project": {"id": "clakt90vu000bvt64hhffqleq"},
  "user": {"id": "claksl2ye0000vtas0h0ln71e"},
  "currentValue": {
    "id": "clb4zna6x0000vt1swuwso25f",
    "uid": "11021cb836f34732b31e5ebd5dd5eb27",
    "title": "Zadzwoń do klienta — Привет 你好",
    "html": null,
    "text": null,
    "position": "32767.5",
    "archived": false,
    "done": false,
    "startedAt": null,
    "duedAt": null,
    "timezone": null,
    "createdAt": "2022-12-01T11:23:09.000Z",
    "updatedAt": "2022-12-01T11:23:09.241Z",
    "createdById": "claksl2ye0000vtas0h0ln71e",
    "todoListId": "clakt9v5t000kvt64f563l90l",
    "todoCustomFields": [],
    "todoUsers": [],
    "todoTags": [],
    "todoList": {
      "id": "clakt9v5t000kvt64f563l90l",
      "title": "ETEST",
      "position": 131070,
      "projectId": "clakt90vu000bvt64hhffqleq",
      "project": {
        "id": "clakt90vu000bvt64hhffqleq",
        "slug": "teest",
        "name": "TEEST",
        "category": "GENERAL",
        "companyId": "clakt8jud0002vt64205yyj10",
        "company": {"id": "clakt8jud0002vt64205yyj10", "slug": "rogue", "name": "Rogue", "subscribedAt": null}
      }
    }
  },
  "previousValue": null
})";

}  // namespace hookd::events::testing
