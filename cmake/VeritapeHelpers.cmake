# VeritapeHelpers.cmake -- helper functions shared by every module folder.
#
#   vt_add_module(NAME <name> [CUDA] [DEPS <public deps>...] [PRIVATE_DEPS <deps>...])
#   vt_add_tests(<module> [LIBS <extra libs>...])
#   vt_add_program(<target> <source> [LIBS <libs>...])
#   vt_apply_project_flags(<target>)
#
# Build-only flag targets (never exported, never a usage requirement of an
# installed target):
#   vt_warnings   -Wall -Wextra -Werror (C++ sources only)
#   vt_sanitize   -fsanitize=${VT_SANITIZE} -fno-omit-frame-pointer (compile + link)

include_guard(GLOBAL)

# ---------------------------------------------------------------------------
# Flag targets
# ---------------------------------------------------------------------------
if(NOT TARGET vt_warnings)
  add_library(vt_warnings INTERFACE)
  target_compile_options(vt_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Werror>)
  # GCC 12/13 emit false -Wrestrict errors from libstdc++'s own std::string
  # code at -O2/-O3 (e.g. `"'" + std::string(...)`; GCC bugs 105329, 105651).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU"
     AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
     AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 14)
    target_compile_options(vt_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
  endif()
endif()

if(NOT TARGET vt_sanitize)
  add_library(vt_sanitize INTERFACE)
  if(VT_SANITIZE)
    # Accept "address,undefined" as well as "address;undefined".
    string(REPLACE ";" "," _vt_san "${VT_SANITIZE}")
    set(_vt_san_flags "-fsanitize=${_vt_san}" "-fno-omit-frame-pointer")
    if(_vt_san MATCHES "undefined")
      # Make UBSan findings fail the test instead of only printing.
      list(APPEND _vt_san_flags "-fno-sanitize-recover=all")
    endif()
    target_compile_options(vt_sanitize INTERFACE
      "$<$<COMPILE_LANGUAGE:CXX>:${_vt_san_flags}>")
    target_link_options(vt_sanitize INTERFACE ${_vt_san_flags})
    unset(_vt_san)
    unset(_vt_san_flags)
  endif()
endif()

# Applies the build-only warning and sanitizer flags to one project target.
# Wrapped in BUILD_INTERFACE so that a static library's private link items
# never show up in the installed export set.
function(vt_apply_project_flags target)
  get_target_property(_type ${target} TYPE)
  if(_type STREQUAL "INTERFACE_LIBRARY")
    return()
  endif()
  target_link_libraries(${target} PRIVATE
    $<BUILD_INTERFACE:vt_warnings>
    $<BUILD_INTERFACE:vt_sanitize>)
endfunction()

# ---------------------------------------------------------------------------
# vt_add_module(NAME <name> [CUDA] [DEPS ...] [PRIVATE_DEPS ...])
#
# Called from <name>/CMakeLists.txt. Creates target vt_<name> (alias
# vt::<name>, export name <name>): a STATIC library when <name>/src/*.cpp
# exist, in src/ or a folder below it (plus <name>/src/**/*.cu when the CUDA flag is given and CUDA is on),
# otherwise an INTERFACE (header-only) library. Public headers live in
# <name>/include/ and are installed to <prefix>/include/.
# ---------------------------------------------------------------------------
function(vt_add_module)
  cmake_parse_arguments(PARSE_ARGV 0 VT "CUDA" "NAME" "DEPS;PRIVATE_DEPS")
  if(NOT VT_NAME)
    message(FATAL_ERROR "vt_add_module: NAME is required")
  endif()
  if(VT_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vt_add_module(${VT_NAME}): unknown arguments: ${VT_UNPARSED_ARGUMENTS}")
  endif()
  set(tgt vt_${VT_NAME})

  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  if(VT_CUDA AND VT_CUDA_ENABLED)
    file(GLOB_RECURSE cu_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cu")
    list(APPEND sources ${cu_sources})
  endif()
  list(SORT sources)

  if(sources)
    add_library(${tgt} STATIC ${sources})
    set(scope PUBLIC)
    set_target_properties(${tgt} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_compile_features(${tgt} PUBLIC cxx_std_20)
    target_link_libraries(${tgt} PUBLIC ${VT_DEPS} PRIVATE ${VT_PRIVATE_DEPS})
    vt_apply_project_flags(${tgt})
  else()
    add_library(${tgt} INTERFACE)
    set(scope INTERFACE)
    target_compile_features(${tgt} INTERFACE cxx_std_20)
    # PRIVATE_DEPS are implementation-only: nothing to implement yet.
    target_link_libraries(${tgt} INTERFACE ${VT_DEPS})
  endif()
  add_library(vt::${VT_NAME} ALIAS ${tgt})
  set_target_properties(${tgt} PROPERTIES EXPORT_NAME ${VT_NAME})

  target_include_directories(${tgt} ${scope}
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

  install(TARGETS ${tgt} EXPORT veritapeTargets
    ARCHIVE  DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY  DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME  DESTINATION ${CMAKE_INSTALL_BINDIR})
  if(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/include")
    install(DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/include/"
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
            PATTERN ".gitkeep" EXCLUDE)
  endif()

  list(LENGTH sources n)
  if(n EQUAL 0)
    message(STATUS "veritape: module ${VT_NAME}: header-only (INTERFACE)")
  else()
    message(STATUS "veritape: module ${VT_NAME}: static library, ${n} source(s)")
  endif()
endfunction()

# ---------------------------------------------------------------------------
# vt_add_tests(<module> [LIBS ...])
#
# Every <module>/tests/test_<stem>.cpp becomes executable <module>_<stem>
# (output in ${CMAKE_BINARY_DIR}/tests), linked to vt::<module>, the extra
# LIBS and Boost::unit_test_framework (BOOST_TEST_DYN_LINK; each file defines
# its own BOOST_TEST_MODULE), and registered as CTest test <module>_<stem>
# with WORKING_DIRECTORY = source root and ENVIRONMENT VT_SOURCE_DIR=<root>.
# The source root is on the include path: test-support headers are included
# as "<module>/tests/support.hpp".
#
# Labels: "unit" by default. If the file's first line is
#   // labels: property slow
# those (space-separated) labels are used instead. `scripts/test.sh`
# excludes the label "slow".
#
# Does nothing unless VT_BUILD_TESTS is ON and <module>/tests/ exists.
# ---------------------------------------------------------------------------
function(vt_add_tests module)
  cmake_parse_arguments(PARSE_ARGV 1 VT "" "" "LIBS")
  set(dir "${PROJECT_SOURCE_DIR}/${module}/tests")
  if(NOT VT_BUILD_TESTS OR NOT IS_DIRECTORY "${dir}")
    return()
  endif()
  file(GLOB files CONFIGURE_DEPENDS "${dir}/test_*.cpp")
  list(SORT files)
  foreach(file IN LISTS files)
    get_filename_component(stem "${file}" NAME_WE)
    string(REGEX REPLACE "^test_" "" stem "${stem}")
    set(name ${module}_${stem})

    add_executable(${name} "${file}")
    target_link_libraries(${name} PRIVATE
      vt::${module} ${VT_LIBS} Boost::unit_test_framework)
    target_compile_definitions(${name} PRIVATE BOOST_TEST_DYN_LINK)
    # Test-support headers are included by their path from the source root
    # ("runtime/tests/support.hpp"), so a module's tests can share a lower one's.
    target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}")
    set_target_properties(${name} PROPERTIES
      RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
    vt_apply_project_flags(${name})

    # Labels from the first line, e.g. "// labels: property slow".
    set(labels unit)
    file(STRINGS "${file}" first LIMIT_COUNT 1)
    if(first MATCHES "^[ \t]*//[ \t]*labels:[ \t]*(.*)$")
      string(STRIP "${CMAKE_MATCH_1}" raw)
      string(REGEX REPLACE "[ \t,]+" ";" raw "${raw}")
      if(raw)
        set(labels ${raw})
      endif()
    endif()
    # Re-run configure when the file changes so that label edits are seen.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")

    add_test(NAME ${name} COMMAND ${name}
             WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
    set_tests_properties(${name} PROPERTIES
      LABELS "${labels}"
      ENVIRONMENT "VT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endforeach()
endfunction()

# ---------------------------------------------------------------------------
# vt_add_program(<target> <source> [LIBS ...])
# A project executable (examples, benchmarks): output in ${CMAKE_BINARY_DIR}/bin,
# project warning/sanitizer flags applied. Not installed.
# ---------------------------------------------------------------------------
function(vt_add_program target source)
  cmake_parse_arguments(PARSE_ARGV 2 VT "" "" "LIBS")
  add_executable(${target} "${source}")
  target_link_libraries(${target} PRIVATE ${VT_LIBS})
  vt_apply_project_flags(${target})
endfunction()
