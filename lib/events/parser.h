// Validation and field extraction of event envelopes (the values of `blue.events`).
//
// Design: one EventParser per thread, reused for every event. It owns one simdjson
// On-Demand parser and one padded input buffer, both grown to the largest event seen and
// never shrunk, so a warm parser allocates nothing per event (Event::fields is cleared and
// reused by the caller). simdjson stays out of this header: the parser lives behind a pimpl.
//
// Every value of the document is walked once, including the ones hookd only passes through
// raw, because simdjson's raw_json() only matches brackets and would let `{"a": tru}` reach
// receivers (docs/architecture.md, library gaps).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "events/envelope.h"

namespace hookd::events {

class EventParser {
 public:
  explicit EventParser(std::size_t max_event_bytes);
  ~EventParser();
  EventParser(EventParser&&) noexcept;
  EventParser& operator=(EventParser&&) noexcept;
  EventParser(const EventParser&) = delete;
  EventParser& operator=(const EventParser&) = delete;

  // nullopt: `out` holds the valid event, its views alive until the next parse() on this
  // parser. Otherwise the reason, and `out` is reset to an empty event. Never throws on
  // any input (only std::bad_alloc when the buffers cannot grow).
  std::optional<InvalidReason> parse(std::string_view bytes, Event& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::events
