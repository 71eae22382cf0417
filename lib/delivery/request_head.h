// The bytes of a request before its body: request line, Host, the caller's headers, User-Agent
// unless the caller sent one, and Content-Length.
//
// Why not Beast's serializer: it stores every field in a node of its own (an allocation each),
// walks them through a chain of buffer views per write, and the request goes out through three
// layers of composed operations. Written here into one reused string, a request is two buffers
// (head and body) and one write (docs/benchmarks.md, "The budget that was not off, the request
// head, the broker's pauses").
//
// hookd owns the framing: a caller's Host, Content-Length or Transfer-Encoding would disagree
// with it (Beast's prepare_payload used to overwrite two of them and send a second Host), so
// such a request is refused before any connection is used, as a header with a character that
// cannot be sent is (delivery/request_headers.h, docs/contract.md).
#pragma once

#include <string>
#include <string_view>

#include "delivery/target_url.h"
#include "delivery/types.h"

namespace hookd::delivery {

// Replaces `out` with the head of a POST of `request` to `url` (headers already checked).
void write_request_head(std::string& out, const TargetUrl& url, const Request& request, std::string_view user_agent);

}  // namespace hookd::delivery
