// Boost's assertion handler for every executable of the fuzz preset's build, which compiles
// every object with BOOST_ENABLE_ASSERT_HANDLER (cmake/sanitizers.cmake): one definition of
// BOOST_ASSERT for the whole binary, so an inline Boost function instantiated in a library and
// in a fuzz target is the same code.
//
// Beast 1.81's parse_chunk_header asserts that the bytes it is given again after a final chunk
// "0\r\n" whose trailer is incomplete number at least 5, which does not hold when a read
// delivers fewer (fuzz/http_response_fuzz.cc finds it); the code after it only needs 3 and is
// what release builds (NDEBUG) run, so that one assertion is let through (AddressSanitizer still
// watches what follows). Any other failed assertion is a finding.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <boost/assert.hpp>

namespace boost {
void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (std::string_view(file).ends_with("boost/beast/http/impl/basic_parser.ipp") && std::string_view(expr) == "n >= 5")
    return;
  std::fprintf(stderr, "Boost assertion failed: %s in %s (%s:%ld)\n", expr, function, file, line);
  std::abort();
}
void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
  std::fprintf(stderr, "Boost assertion failed: %s (%s) in %s (%s:%ld)\n", expr, msg, function, file, line);
  std::abort();
}
}  // namespace boost
