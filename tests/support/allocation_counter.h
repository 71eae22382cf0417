// Counts heap allocations, for tests that assert a hot path allocates nothing once warm.
//
// Linking hookd::allocation_counter replaces the global operator new of the whole binary
// (tests/unit links it into a module's test binary when that module has an
// *allocation_test.cc). The count is only read around the measured code, so the binary's
// other tests are unaffected.
#pragma once

namespace hookd::test_support {

// Allocations through operator new since the program started.
long allocations();

}  // namespace hookd::test_support
