// libFuzzer target: compiles a random filter and evaluates it against a random event.
//
// Input: the first line is the filter's JSON, the rest is the event's bytes. Every input
// exercises the compiler (any bytes), the event parser and, when the event is valid, the
// evaluator on its parser-indexed values; the event bytes are also handed to the filters'
// own scanner as raw top-level fields (which it must read safely whatever they hold).
// Invariants checked: evaluation never crashes, and is deterministic on a reused document.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <variant>

#include "events/parser.h"
#include "subscriptions/filter.h"
#include "subscriptions/filter_document.h"

namespace {

using hookd::subscriptions::EventDocument;
using hookd::subscriptions::Filter;

void check_deterministic(const Filter& filter, const hookd::events::Event& event, EventDocument& document) {
  document.reset(event);
  const bool first = filter.matches(document);
  const bool again = filter.matches(document);  // warm: tapes and member tables reused
  document.reset(event);
  const bool fresh = filter.matches(document);
  if (first != again || first != fresh) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view filter_text = input.substr(0, newline);
  const std::string_view event_text = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  auto compiled = hookd::subscriptions::compile_filter(filter_text);
  const auto* filter = std::get_if<std::shared_ptr<const Filter>>(&compiled);

  static hookd::events::EventParser parser(1 << 20);
  static hookd::events::Event event;
  static EventDocument document;
  const bool valid_event = !parser.parse(event_text, event).has_value();
  if (filter == nullptr) return 0;

  if (valid_event) check_deterministic(**filter, event, document);

  // The scanner on raw bytes: the same text as several unindexed top-level fields.
  hookd::events::Event raw;
  for (std::string_view name : {"currentValue", "previousValue", "user", "event", "a"}) {
    raw.fields.push_back(hookd::events::TopLevelField{name, event_text, name, -1});
  }
  check_deterministic(**filter, raw, document);
  return 0;
}
