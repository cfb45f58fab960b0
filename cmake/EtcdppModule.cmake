# etcdpp_module(NAME [DEPS module...] [LIBS target...] [TEST_LIBS target...])
#
# Builds the library etcdpp_<NAME> from every *.cc in the calling directory except
# *_test.cc, *_bench.cc and main.cc, and, when *_test.cc files exist, one GoogleTest
# executable <NAME>_test registered with CTest. DEPS name other etcdpp modules (the
# allowed dependency direction is in CONVENTIONS.md); LIBS are external targets.
function(etcdpp_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;LIBS;TEST_LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  list(FILTER sources EXCLUDE REGEX "(_test|_bench|/main)\\.cc$")
  set(deps "")
  foreach(dep IN LISTS ARG_DEPS)
    list(APPEND deps etcdpp_${dep})
  endforeach()
  if(sources)
    add_library(etcdpp_${name} STATIC ${sources})
    set(scope PUBLIC)
  else()  # a module that is only headers so far
    add_library(etcdpp_${name} INTERFACE)
    set(scope INTERFACE)
  endif()
  target_include_directories(etcdpp_${name} ${scope} ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(etcdpp_${name} ${scope} ${deps} ${ARG_LIBS} Threads::Threads)
  if(tests)
    add_executable(${name}_test ${tests})
    set_target_properties(${name}_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${ETCDPP_TEST_OUTPUT_DIRECTORY})
    target_link_libraries(${name}_test PRIVATE etcdpp_${name} etcdpp_testing ${ARG_TEST_LIBS}
                          GTest::gmock GTest::gtest_main)
    add_test(NAME ${name} COMMAND ${name}_test)
  endif()
endfunction()

# etcdpp_binary(NAME SOURCES file... [DEPS module...] [LIBS target...])
# An executable in build/bin.
function(etcdpp_binary name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  set(deps "")
  foreach(dep IN LISTS ARG_DEPS)
    list(APPEND deps etcdpp_${dep})
  endforeach()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${deps} ${ARG_LIBS})
endfunction()

# etcdpp_bench(NAME SOURCES file... [DEPS module...]): a Google Benchmark executable in
# build/bin (not run by ctest: benchmarks measure, tests assert).
function(etcdpp_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  etcdpp_binary(${name} SOURCES ${ARG_SOURCES} DEPS ${ARG_DEPS} LIBS ${ARG_LIBS} benchmark::benchmark_main)
endfunction()
