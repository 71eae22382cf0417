// libFuzzer target: a request's headers as delivery/request_headers.h holds them. Whatever names
// and values are added, the buffer holds only the headers that may be sent, as whole
// "name: value\r\n" lines that read back as they were added, with no other CR or LF and no
// control byte but HTAB; the first header that may not be sent refuses the set, and the
// refusal names it without its value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "delivery/request_headers.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// The input as name and value pieces: each ends at a 0xff byte (never part of a valid name or
// a value worth keeping apart), names and values in turn.
std::vector<std::string_view> pieces(std::string_view input) {
  std::vector<std::string_view> out;
  while (!input.empty()) {
    const std::size_t end = input.find('\xff');
    out.push_back(input.substr(0, end));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hookd::delivery::RequestHeaders;
  const auto parts = pieces(std::string_view(reinterpret_cast<const char*>(data), size));
  RequestHeaders headers;
  std::vector<std::pair<std::string, std::string>> accepted;
  for (std::size_t i = 0; i + 1 < parts.size(); i += 2) {
    const std::string_view name = parts[i];
    const std::string_view value = parts[i + 1];
    const bool refused_before = !headers.refusal().empty();
    const std::string wire_before(headers.wire());
    headers.add(name, value);
    const bool sendable = !hookd::delivery::framing_header(name) && hookd::delivery::valid_header_name(name) &&
                          hookd::delivery::valid_header_value(value);
    if (refused_before || !sendable) {
      check(headers.wire() == wire_before);  // nothing of it, nor of anything after a refusal
      check(!headers.refusal().empty());
      if (!refused_before) {
        const std::string named = hookd::delivery::valid_header_name(name) ? std::string(name) : "name";
        check(headers.refusal() == "header " + named + " is written by hookd, not by the caller" ||
              headers.refusal() == "header " + named + " holds a character that cannot be sent");
      }
    } else {
      accepted.emplace_back(name, value);
    }
  }
  // Read back: the accepted headers in order, and the lines they make.
  std::vector<std::pair<std::string, std::string>> read(headers.begin(), headers.end());
  check(read == accepted);
  check(headers.size() == accepted.size());
  std::string lines;
  for (const auto& [name, value] : accepted) lines += name + ": " + value + "\r\n";
  check(headers.wire() == lines);
  // No byte that could end a line early or start another.
  const std::string_view wire = headers.wire();
  for (std::size_t at = 0; at < wire.size(); ++at) {
    const auto byte = static_cast<unsigned char>(wire[at]);
    if (byte == '\r') {
      check(at + 1 < wire.size() && wire[at + 1] == '\n');
    } else if (byte == '\n') {
      check(at > 0 && wire[at - 1] == '\r');
    } else {
      check((byte >= 0x20 || byte == '\t') && byte != 0x7f);
    }
  }
  return 0;
}
