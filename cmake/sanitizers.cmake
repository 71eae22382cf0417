# Sanitizers as an INTERFACE target, hookd_sanitizers (alias hookd::sanitizers). HOOKD_SANITIZE
# names them as -fsanitize does: "address,undefined" (the asan-ubsan and fuzz presets), "thread"
# (the tsan preset) or empty (no sanitizer, the release preset). Which preset runs which tests:
# docs/architecture.md, "Sanitizers and fuzzing".
set(HOOKD_SANITIZE "" CACHE STRING "Sanitizers for every hookd target, as -fsanitize= takes them (address,undefined | thread | empty)")
option(HOOKD_FUZZ "Build the libFuzzer targets of fuzz/ (clang only; every target gets fuzzer coverage)" OFF)

add_library(hookd_sanitizers INTERFACE)
add_library(hookd::sanitizers ALIAS hookd_sanitizers)

if(HOOKD_SANITIZE MATCHES "thread" AND HOOKD_SANITIZE MATCHES "address")
  message(FATAL_ERROR "HOOKD_SANITIZE: thread and address cannot be combined (two presets: asan-ubsan, tsan)")
endif()
if(HOOKD_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "HOOKD_FUZZ needs clang (libFuzzer): configure with the fuzz preset")
endif()

if(HOOKD_SANITIZE)
  set(hookd_sanitize_flags -fsanitize=${HOOKD_SANITIZE} -fno-omit-frame-pointer)
  if(HOOKD_SANITIZE MATCHES "undefined")
    # Undefined behaviour stops the test that hit it, whatever UBSAN_OPTIONS says.
    list(APPEND hookd_sanitize_flags -fno-sanitize-recover=undefined)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      # vptr checks need the RTTI of the g++-built Boost.JSON and RE2 as clang sees it, which
      # does not match: every virtual call into them would be a false report.
      list(APPEND hookd_sanitize_flags -fno-sanitize=vptr)
      if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 15)
        # clang 14's function check cannot compile C++20 coroutines ("Cannot represent a
        # difference across sections": LLVM issue 49689, fixed in 15), which delivery/ uses
        # for every connection.
        list(APPEND hookd_sanitize_flags -fno-sanitize=function)
      endif()
    endif()
  endif()
  target_compile_options(hookd_sanitizers INTERFACE ${hookd_sanitize_flags})
  if(HOOKD_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 warns that ThreadSanitizer does not model std::atomic_thread_fence, which Boost.Asio
    # puts around every handler it runs (std_fenced_block). The fence is never Asio's only
    # synchronisation: a handler reaches the thread that runs it through the scheduler's mutex,
    # which ThreadSanitizer sees, so the warning says nothing about hookd's code.
    target_compile_options(hookd_sanitizers INTERFACE -Wno-tsan)
  endif()
  target_link_options(hookd_sanitizers INTERFACE ${hookd_sanitize_flags})
  # The test presets send every report (of a test, or of a hookd or tool a test started) here
  # with log_path; scripts/test.sh fails the stage when a report was written.
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/sanitizer-reports)
endif()
if(HOOKD_FUZZ)
  # Coverage for libFuzzer in every object; only the fuzz executables link libFuzzer's main
  # (-fsanitize=fuzzer, fuzz/CMakeLists.txt).
  target_compile_options(hookd_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
  target_link_options(hookd_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
  # Boost's assertions go to one handler in every executable (fuzz/boost_assert_handler.cc says
  # which one it lets through); every object gets the define, so no binary mixes two versions of
  # an inline Boost function.
  target_compile_definitions(hookd_sanitizers INTERFACE BOOST_ENABLE_ASSERT_HANDLER)
endif()

# Links hookd_sanitizers PRIVATE into every library and executable defined under `dir`. A
# sanitizer has to see every object of a binary (ThreadSanitizer misses races in code it did not
# instrument; AddressSanitizer's container annotations give false reports when instrumented and
# plain code share a std::vector), so this is done once for the whole tree rather than left for
# each CMakeLists.txt to remember. Called at the end of the top-level CMakeLists.txt.
function(hookd_link_sanitizers dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target ${targets})
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$")
      target_link_libraries(${target} PRIVATE hookd_sanitizers)
    endif()
    if(type STREQUAL "EXECUTABLE" AND HOOKD_SANITIZE MATCHES "thread")
      # librdkafka's C11 threads and locks and its read-write locks, made visible to
      # ThreadSanitizer (each file says why).
      target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/tsan_c11_threads.cc
                                       ${PROJECT_SOURCE_DIR}/cmake/tsan_rwlocks.cc)
    endif()
    if(type STREQUAL "EXECUTABLE" AND HOOKD_FUZZ)
      target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz/boost_assert_handler.cc)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir ${subdirs})
    hookd_link_sanitizers(${subdir})
  endforeach()
endfunction()
