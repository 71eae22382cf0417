#include "events/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "sample_event.h"

namespace hookd::events {
namespace {

constexpr std::size_t kOneMiB = 1024 * 1024;

// A valid envelope with `extra` spliced in as further top-level members.
std::string envelope(std::string_view extra = "") {
  std::string out =
      R"({"id":"evt_1","event":"TODO_CREATED","occurredAt":"2022-12-01T11:23:09.241Z",)"
      R"("company":{"id":"c1"})";
  if (!extra.empty()) {
    out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

std::optional<InvalidReason> parse(std::string_view bytes, std::size_t max = kOneMiB) {
  EventParser parser(max);
  Event event;
  return parser.parse(bytes, event);
}

TEST(InvalidReason, NamesAreTheDeadLetterWords) {
  EXPECT_EQ(to_string(InvalidReason::too_large), "too_large");
  EXPECT_EQ(to_string(InvalidReason::invalid_utf8), "invalid_utf8");
  EXPECT_EQ(to_string(InvalidReason::not_json), "not_json");
  EXPECT_EQ(to_string(InvalidReason::not_object), "not_object");
  EXPECT_EQ(to_string(InvalidReason::duplicate_key), "duplicate_key");
  EXPECT_EQ(to_string(InvalidReason::missing_field), "missing_field");
  EXPECT_EQ(to_string(InvalidReason::invalid_field), "invalid_field");
}

TEST(EventParser, ParsesSeedLikeTodoCreated) {
  EventParser parser(kOneMiB);
  Event event;
  ASSERT_EQ(parser.parse(testing::kTodoCreated, event), std::nullopt);
  EXPECT_EQ(event.id, "evt_clb4zna6x0000vt1swuwso25f_1");
  EXPECT_EQ(event.type, "TODO_CREATED");
  EXPECT_EQ(event.occurred_at, "2022-12-01T11:23:09.241Z");
  EXPECT_EQ(event.occurred_at_unix_ms, 1669893789241);
  EXPECT_EQ(event.company_id, "clakt8jud0002vt64205yyj10");
  EXPECT_TRUE(event.has_project);
  EXPECT_EQ(event.project_id, "clakt90vu000bvt64hhffqleq");
  EXPECT_EQ(event.user_id, "claksl2ye0000vtas0h0ln71e");

  std::vector<std::string_view> keys;
  for (const auto& field : event.fields) keys.push_back(field.key);
  EXPECT_EQ(keys, (std::vector<std::string_view>{"id", "event", "occurredAt", "company", "project", "user",
                                                 "currentValue", "previousValue"}));
  EXPECT_EQ(event.fields[0].raw_value, R"("evt_clb4zna6x0000vt1swuwso25f_1")");
  EXPECT_EQ(event.fields[3].raw_value, R"({"id": "clakt8jud0002vt64205yyj10"})");
  EXPECT_EQ(event.fields[7].raw_value, "null");
  // currentValue is passed through byte for byte, nested unicode and all.
  const std::string_view current = event.fields[6].raw_value;
  const std::size_t begin = testing::kTodoCreated.find(R"({
    "id": "clb4zna6x)");
  const std::size_t end = testing::kTodoCreated.rfind(R"(,
  "previousValue")");
  EXPECT_EQ(current, testing::kTodoCreated.substr(begin, end - begin));
  EXPECT_NE(current.find("Привет 你好"), std::string_view::npos);
}

TEST(EventParser, RawValuesAreExactBytesOfEveryKind) {
  EventParser parser(kOneMiB);
  Event event;
  const std::string input = envelope(
      R"("n" : -1.5e+3 , "s":"a\"b\\" ,"t":true,"f" :false, "z":null,"arr" : [ 1, {"x": [] } ] ,)"
      R"("obj":{ "k" : "v" } , "big": 123456789012345678901234567890, "huge": 1e400, "\u00e9t\"e": 0)");
  ASSERT_EQ(parser.parse(input, event), std::nullopt);
  std::vector<std::pair<std::string_view, std::string_view>> got;
  for (const auto& field : event.fields) got.emplace_back(field.key, field.raw_value);
  const std::vector<std::pair<std::string_view, std::string_view>> expected = {
      {"id", R"("evt_1")"},
      {"event", R"("TODO_CREATED")"},
      {"occurredAt", R"("2022-12-01T11:23:09.241Z")"},
      {"company", R"({"id":"c1"})"},
      {"n", "-1.5e+3"},
      {"s", R"("a\"b\\")"},
      {"t", "true"},
      {"f", "false"},
      {"z", "null"},
      {"arr", R"([ 1, {"x": [] } ])"},
      {"obj", R"({ "k" : "v" })"},
      {"big", "123456789012345678901234567890"},
      {"huge", "1e400"},
      {R"(\u00e9t\"e)", "0"},
  };
  EXPECT_EQ(got, expected);
  EXPECT_EQ(event.fields.back().name, "ét\"e");
  EXPECT_FALSE(event.has_project);
  EXPECT_EQ(event.user_id, "");
}

TEST(EventParser, NullProjectAndUserMeanAbsent) {
  EventParser parser(kOneMiB);
  Event event;
  ASSERT_EQ(parser.parse(envelope(R"("project":null,"user":null)"), event), std::nullopt);
  EXPECT_FALSE(event.has_project);
  EXPECT_EQ(event.project_id, "");
  EXPECT_EQ(event.user_id, "");
}

// What record filters read (Event::values): every object field is indexed depth first with
// its member counts; id, event and occurredAt are left to their raw bytes.
TEST(EventParser, IndexesObjectFieldsForFilters) {
  EventParser parser(kOneMiB);
  Event event;
  ASSERT_EQ(parser.parse(envelope(R"("project":null,"user":{"id":"u\u0031","tags":["a",{"b":2}],"n":1.5},)"
                                  R"("currentValue":{"done":true,"list":[]})"),
                         event),
            std::nullopt);
  const auto field = [&](std::string_view name) -> const TopLevelField& {
    for (const auto& f : event.fields) {
      if (f.name == name) return f;
    }
    ADD_FAILURE() << "no field " << name;
    return event.fields.front();
  };
  EXPECT_EQ(field("id").first_value, -1);
  EXPECT_EQ(field("event").first_value, -1);
  EXPECT_EQ(field("occurredAt").first_value, -1);
  using Kind = IndexedValue::Kind;

  ASSERT_GE(field("company").first_value, 0);
  const IndexedValue* company = &event.values[static_cast<std::size_t>(field("company").first_value)];
  EXPECT_EQ(company[0].kind, Kind::object);
  EXPECT_EQ(company[0].size, 1u);
  EXPECT_EQ(std::string_view(company[1].key, company[1].key_size), "id");
  EXPECT_EQ(std::string_view(company[1].text, company[1].size), "c1");

  ASSERT_GE(field("project").first_value, 0);
  EXPECT_EQ(event.values[static_cast<std::size_t>(field("project").first_value)].kind, Kind::null);

  // user: {id, tags: [a, {b}], n} = 7 values; the id unescaped like every indexed string.
  const auto user_at = static_cast<std::uint32_t>(field("user").first_value);
  const IndexedValue* user = &event.values[user_at];
  EXPECT_EQ(user[0].kind, Kind::object);
  EXPECT_EQ(user[0].size, 3u);
  EXPECT_EQ(user[0].end - user_at, 7u);
  EXPECT_EQ(std::string_view(user[1].text, user[1].size), "u1");
  EXPECT_EQ(std::string_view(user[2].key, user[2].key_size), "tags");
  EXPECT_EQ(user[2].kind, Kind::array);
  EXPECT_EQ(user[2].size, 2u);
  EXPECT_EQ(user[4].kind, Kind::object);
  EXPECT_EQ(user[4].size, 1u);
  EXPECT_EQ(std::string_view(user[6].key, user[6].key_size), "n");
  EXPECT_EQ(std::string_view(user[6].text, user[6].size), "1.5");

  const IndexedValue* current = &event.values[static_cast<std::size_t>(field("currentValue").first_value)];
  EXPECT_EQ(current[0].size, 2u);
  EXPECT_EQ(current[2].kind, Kind::array);
  EXPECT_EQ(current[2].size, 0u);
}

TEST(EventParser, EscapedIdsAreUnescaped) {
  // Choice documented in envelope.h: string fields are unescaped, limits count unescaped bytes.
  EventParser parser(kOneMiB);
  Event event;
  const std::string input =
      R"({"id":"evt_\u0031","event":"TODO_CREATED","occurredAt":"2022-12-01T11:23:09Z","company":{"id":"c\/1"}})";
  ASSERT_EQ(parser.parse(input, event), std::nullopt);
  EXPECT_EQ(event.id, "evt_1");
  EXPECT_EQ(event.company_id, "c/1");
  EXPECT_EQ(event.fields[0].raw_value, R"("evt_\u0031")");
}

TEST(EventParser, TooLarge) {
  const std::string input = envelope();
  EXPECT_EQ(parse(input, input.size()), std::nullopt);
  EXPECT_EQ(parse(input, input.size() - 1), InvalidReason::too_large);
}

TEST(EventParser, InvalidUtf8) {
  EXPECT_EQ(parse(envelope("\"x\":\"\xff\"")), InvalidReason::invalid_utf8);
  EXPECT_EQ(parse(envelope("\"x\":\"\xc3\"")), InvalidReason::invalid_utf8);  // truncated sequence
  EXPECT_EQ(parse(envelope("\"x\":\"\xed\xa0\x80\"")), InvalidReason::invalid_utf8);  // UTF-16 surrogate
}

TEST(EventParser, NotJson) {
  const std::string cases[] = {
      "",
      "   ",
      "{",
      "nope",
      R"({"id":"evt_1",})",
      envelope(R"("currentValue": {"a": tru})"),  // nested, passed through untouched
      envelope(R"("currentValue": {"a": [1, 2,]})"),
      envelope(R"("currentValue": {"a" 1})"),
      envelope(R"("currentValue": {"a": 01})"),
      envelope(R"("currentValue": {"a": 1.})"),
      envelope(R"("currentValue": {"a": -})"),
      envelope(R"("currentValue": {"a": nul})"),
      envelope(R"("currentValue": {"a": "bad \x escape"})"),
      envelope(R"("currentValue": {"bad \q key": 1})"),
      envelope(R"("currentValue": {"a": "\ud800"})"),  // lone surrogate escape
      envelope(R"("currentValue": ["tab	inside"])"),     // raw control character in a string
      envelope(R"("id2": {"a": 1]})"),
      envelope(R"("currentValue": {"a": tru}, "user": {"id": "u"})"),
      envelope() + " x",                  // trailing bytes
      envelope() + "{}",                  // a second document
      envelope() + "}",
      R"({"id":"evt_1","event":"E","occurredAt":"2022-12-01T11:23:09Z","company":{"id":{"x":fals}}})",
  };
  for (const auto& input : cases) EXPECT_EQ(parse(input), InvalidReason::not_json) << input;
}

TEST(EventParser, TrailingWhitespaceIsFine) {
  EXPECT_EQ(parse(" \n" + envelope() + " \r\n\t"), std::nullopt);
}

TEST(EventParser, SyntaxErrorWinsOverEarlierFieldError) {
  EXPECT_EQ(parse(R"({"id":5,"event":"E","occurredAt":"x","company":{"id":"c"},"v":[tru]})"),
            InvalidReason::not_json);
}

TEST(EventParser, DeepNestingIsRefused) {
  const auto nested = [](int depth) {
    return envelope("\"deep\":" + std::string(depth, '[') + std::string(depth, ']'));
  };
  // The envelope's members sit at depth 2, so 1022 nested arrays reach depth 1023.
  EXPECT_EQ(parse(nested(1022)), std::nullopt);
  EXPECT_EQ(parse(nested(1023)), InvalidReason::not_json);
  const auto nested_objects = [](int depth) {
    std::string value;
    for (int i = 0; i < depth; ++i) value += "{\"a\":";
    value += "1" + std::string(depth, '}');
    return envelope("\"deep\":" + value);
  };
  EXPECT_EQ(parse(nested_objects(1022)), std::nullopt);
  EXPECT_EQ(parse(nested_objects(1023)), InvalidReason::not_json);
  EXPECT_EQ(parse(nested(100000)), InvalidReason::not_json);
}

TEST(EventParser, NotObject) {
  for (const char* input : {"[]", "[1, {\"a\": 2}]", "\"text\"", "42", "-0.5e3", "true", "null", " null \n"}) {
    EXPECT_EQ(parse(input), InvalidReason::not_object) << input;
  }
  for (const char* input : {"[1,]", "\"a\" \"b\"", "42 43", "01", "truex", "[1] x"}) {
    EXPECT_EQ(parse(input), InvalidReason::not_json) << input;
  }
}

TEST(EventParser, DuplicateKey) {
  EXPECT_EQ(parse(envelope(R"("id":"evt_2")")), InvalidReason::duplicate_key);
  EXPECT_EQ(parse(envelope(R"("x":1,"x":2)")), InvalidReason::duplicate_key);
  EXPECT_EQ(parse(envelope(R"("\u0065vent":"OTHER")")), InvalidReason::duplicate_key);  // same after unescaping
  // Duplicates inside passed-through values are the sender's business.
  EXPECT_EQ(parse(envelope(R"("currentValue":{"a":1,"a":2})")), std::nullopt);

  std::string many;
  for (int i = 0; i < 500; ++i) many += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ',';
  EXPECT_EQ(parse(envelope(many + R"("k7":0)")), InvalidReason::duplicate_key);
  many.pop_back();
  EXPECT_EQ(parse(envelope(many)), std::nullopt);
}

TEST(EventParser, MissingField) {
  const std::string id = R"("id":"evt_1")", type = R"("event":"TODO_CREATED")",
                    at = R"("occurredAt":"2022-12-01T11:23:09Z")", company = R"("company":{"id":"c1"})";
  EXPECT_EQ(parse("{" + type + "," + at + "," + company + "}"), InvalidReason::missing_field);
  EXPECT_EQ(parse("{" + id + "," + at + "," + company + "}"), InvalidReason::missing_field);
  EXPECT_EQ(parse("{" + id + "," + type + "," + company + "}"), InvalidReason::missing_field);
  EXPECT_EQ(parse("{" + id + "," + type + "," + at + "}"), InvalidReason::missing_field);
  EXPECT_EQ(parse("{}"), InvalidReason::missing_field);
  EXPECT_EQ(parse("{" + id + "," + type + "," + at + "," + company + "}"), std::nullopt);
}

std::string with_field(std::string_view name, std::string_view value) {
  std::string fields[][2] = {{"id", R"("evt_1")"},
                             {"event", R"("TODO_CREATED")"},
                             {"occurredAt", R"("2022-12-01T11:23:09.241Z")"},
                             {"company", R"({"id":"c1"})"}};
  std::string out = "{";
  for (auto& [key, default_value] : fields) {
    out += '"' + key + "\":" + (key == name ? std::string(value) : default_value) + ',';
  }
  if (name == "project" || name == "user") out += '"' + std::string(name) + "\":" + std::string(value) + ',';
  out.back() = '}';
  return out;
}

TEST(EventParser, InvalidIdField) {
  EXPECT_EQ(parse(with_field("id", '"' + std::string(128, 'a') + '"')), std::nullopt);
  EXPECT_EQ(parse(with_field("id", '"' + std::string(129, 'a') + '"')), InvalidReason::invalid_field);
  for (const char* bad : {R"("")", "5", "null", R"(["evt_1"])", R"({"id":"evt_1"})"}) {
    EXPECT_EQ(parse(with_field("id", bad)), InvalidReason::invalid_field) << bad;
  }
}

TEST(EventParser, InvalidEventType) {
  EXPECT_EQ(parse(with_field("event", R"("COMMENT_CREATED_2")")), std::nullopt);
  for (const char* bad : {R"("")", R"("todo_created")", R"("TODO-CREATED")", R"("TODO CREATED")", R"("TODÖ")", "1",
                          "null"}) {
    EXPECT_EQ(parse(with_field("event", bad)), InvalidReason::invalid_field) << bad;
  }
}

TEST(EventParser, InvalidTimestamps) {
  for (const char* bad : {R"("")", R"("2022-12-01")", R"("2022-12-01 11:23:09Z")", R"("2022-12-01T11:23:09")",
                          R"("2022-13-01T11:23:09Z")", R"("2022-02-29T11:23:09Z")", R"("2022-12-01T24:00:00Z")",
                          R"("2022-12-01T11:60:09Z")", R"("2022-12-01T11:23:09.Z")", R"("2022-12-01T11:23:09+0100")",
                          R"("2022-12-01T11:23:09+24:00")", R"("2022-12-01T11:23:09Zjunk")", R"("22-12-01T11:23:09Z")",
                          "1669893789241", "null"}) {
    EXPECT_EQ(parse(with_field("occurredAt", bad)), InvalidReason::invalid_field) << bad;
  }
}

TEST(EventParser, TimestampFormsAndOffsets) {
  EventParser parser(kOneMiB);
  Event event;
  const std::pair<const char*, std::int64_t> cases[] = {
      {R"("1970-01-01T00:00:00Z")", 0},
      {R"("2022-12-01T11:23:09.241Z")", 1669893789241},
      {R"("2022-12-01T11:23:09.2419999Z")", 1669893789241},  // truncated, not rounded
      {R"("2022-12-01T11:23:09.2Z")", 1669893789200},
      {R"("2022-12-01T12:23:09.241+01:00")", 1669893789241},
      {R"("2022-12-01T06:53:09.241-04:30")", 1669893789241},
      {R"("2022-12-01t11:23:09.241z")", 1669893789241},
      {R"("2024-02-29T00:00:00Z")", 1709164800000},
      {R"("1969-12-31T23:59:59Z")", -1000},
      {R"("2016-12-31T23:59:60Z")", 1483228800000},  // leap second: counts as the next second
  };
  for (const auto& [text, unix_ms] : cases) {
    ASSERT_EQ(parser.parse(with_field("occurredAt", text), event), std::nullopt) << text;
    EXPECT_EQ(event.occurred_at_unix_ms, unix_ms) << text;
  }
}

TEST(EventParser, InvalidTenantProjectAndUser) {
  for (const char* bad : {"null", R"("c1")", "{}", R"({"id":""})", R"({"id":5})", R"({"id":"c1","id":"c2"})",
                          R"({"name":"x"})", "[]"}) {
    EXPECT_EQ(parse(with_field("company", bad)), InvalidReason::invalid_field) << bad;
  }
  for (const char* bad : {R"("p1")", "{}", R"({"id":""})", R"({"id":null})", "[]"}) {
    EXPECT_EQ(parse(with_field("project", bad)), InvalidReason::invalid_field) << bad;
    EXPECT_EQ(parse(with_field("user", bad)), InvalidReason::invalid_field) << bad;
  }
  EXPECT_EQ(parse(with_field("company", R"({"name":"Rogue","id":"c1","extra":{"a":[1]}})")), std::nullopt);
}

TEST(EventParser, ReusedAcrossManyEventsKeepsViewsOfTheLatest) {
  EventParser parser(kOneMiB);
  Event event;
  const std::string padding(3000, 'p');
  for (int i = 0; i < 200; ++i) {
    const std::string id = "evt_" + std::to_string(i);
    // Vary the size up and down so the buffers grow and are reused.
    const std::string input =
        R"({"id":")" + id + R"(","event":"TODO_CREATED","occurredAt":"2022-12-01T11:23:09Z",)" +
        R"("company":{"id":"c)" + std::to_string(i) + R"("},"blob":")" + padding.substr(0, (i * 97) % 3000) + R"("})";
    if (i % 7 == 3) {
      ASSERT_EQ(parser.parse("{\"broken\":", event), InvalidReason::not_json);
      EXPECT_TRUE(event.fields.empty());
      EXPECT_EQ(event.id, "");
    }
    ASSERT_EQ(parser.parse(input, event), std::nullopt) << i;
    EXPECT_EQ(event.id, id);
    EXPECT_EQ(event.company_id, "c" + std::to_string(i));
    ASSERT_EQ(event.fields.size(), 5u);
    EXPECT_EQ(event.fields[4].raw_value.size(), (i * 97) % 3000 + 2);
    EXPECT_EQ(event.fields[0].raw_value, '"' + id + '"');
  }
}

TEST(EventParser, DoesNotReadBytesOutsideTheInput) {
  // The caller's bytes are copied into a padded buffer: a view of a larger string must not
  // leak what follows it into the parse.
  const std::string backing = envelope() + R"(,"tail":1})";
  const std::string_view input(backing.data(), envelope().size());
  EXPECT_EQ(parse(input), std::nullopt);
}

}  // namespace
}  // namespace hookd::events
