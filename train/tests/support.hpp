#pragma once
// Helpers shared by the training helpers' tests: the runtime tests' scratch
// folders, whole files and exception messages, and this module's fixtures.
// Include it after the test file's own `#define BOOST_TEST_MODULE` and
// <boost/test/unit_test.hpp>.
#include <filesystem>
#include <string>

#include "runtime/tests/support.hpp"

namespace vt::train::testing {

using rt::testing::message_of;
using rt::testing::slurp;
using rt::testing::source_path;
using rt::testing::TempDir;
using rt::testing::worse;
using rt::testing::worst_difference;

// A file of train/tests/fixtures (checked in; scripts/gen_torch_fixtures.py
// made the PyTorch trajectories).
inline std::filesystem::path fixture_path(const std::string& name) {
  return source_path("train/tests/fixtures") / name;
}

}  // namespace vt::train::testing
