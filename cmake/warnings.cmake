# Warnings as an INTERFACE target linked PRIVATE by every hookd target.
add_library(hookd_warnings INTERFACE)
target_compile_options(hookd_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(HOOKD_WERROR)
  target_compile_options(hookd_warnings INTERFACE -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 reports false positives inside libstdc++'s std::string and Boost.Asio at -O2
  # (GCC bugs 105329, 105651): keep them visible as warnings, never as build failures.
  target_compile_options(hookd_warnings INTERFACE
    -Wno-error=restrict -Wno-error=stringop-overflow -Wno-error=array-bounds -Wno-error=maybe-uninitialized)
endif()
add_library(hookd::warnings ALIAS hookd_warnings)

add_library(hookd_arch INTERFACE)
if(HOOKD_MARCH)
  target_compile_options(hookd_arch INTERFACE -march=${HOOKD_MARCH})
endif()
