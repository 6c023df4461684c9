#pragma once
// Helpers shared by the runtime's tests (and, through train/tests/support.hpp,
// the training helpers'): where the source tree is, scratch folders, whole
// files and exception messages. Include it after the test file's own
// `#define BOOST_TEST_MODULE` and <boost/test/unit_test.hpp>.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "vt/spec/dense.hpp"

namespace vt::rt::testing {

// A path inside the source tree. ctest sets VT_SOURCE_DIR; run by hand, a
// test expects the source root as its working directory.
inline std::filesystem::path source_path(const std::filesystem::path& relative) {
  const char* root = std::getenv("VT_SOURCE_DIR");
  return std::filesystem::path(root ? root : ".") / relative;
}

// A file of runtime/tests/fixtures (checked in; made by make_fixtures.py).
inline std::filesystem::path fixture_path(const std::string& name) {
  return source_path("runtime/tests/fixtures") / name;
}

// A fresh folder under the system temp folder, named PREFIX plus random
// digits, removed with everything in it at scope exit, so that a failing
// check leaves nothing behind and tests running at once never share one.
// PREFIX defaults to "vt_<test module>_" (vt_runtime_npy_...), so that a
// folder left by a killed run says which test made it.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = default_prefix()) {
    std::random_device rd;
    do {
      path_ = std::filesystem::temp_directory_path() / (prefix + std::to_string(rd()) + std::to_string(rd()));
    } while (!std::filesystem::create_directories(path_));  // false: the name was taken
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    // A test may have taken the owner's write permission away (to make a
    // save fail): give it back, or nothing inside could be removed.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }

  // Writes TEXT (as bytes) to NAME and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream out(file(name), std::ios::binary);
    out << text;
    return file(name);
  }

  // The names of what the folder holds, sorted (to check that nothing,
  // such as a temp file, was left behind).
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::string default_prefix() {
    return "vt_" + boost::unit_test::framework::master_test_suite().p_name.get() + "_";
  }

 private:
  std::filesystem::path path_;
};

// The whole file as bytes; a file that cannot be opened fails the test.
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The message of the E that f throws, to compare whole; no exception at all
// fails the check (and gives ""), another type propagates.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  BOOST_ERROR("no exception thrown");
  return {};
}

// Checks that f throws an E whose message contains every needle; another
// exception, or none, fails the check.
template <class E, class F>
void expect_error_containing(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const auto& n : needles)
      BOOST_CHECK_MESSAGE(msg.find(n) != std::string::npos, "message '" << msg << "' lacks '" << n << "'");
    return;
  } catch (const std::exception& e) {
    BOOST_ERROR("wrong exception type: " << e.what());
    return;
  }
  BOOST_ERROR("no exception; expected one containing '" << needles.front() << "'");
}

// max(w, x), with a NaN x taken as infinity: std::max(w, NaN) keeps w, so a
// NaN difference would pass a `worst < tolerance` check.
inline double worse(double w, double x) { return std::isnan(x) ? std::numeric_limits<double>::infinity() : std::max(w, x); }

// The largest |a_i - b_i| / max(1, |b_i|), the mixed absolute/relative
// distance of two results of the same shape. A NaN or infinite difference
// gives infinity, so a kernel that never overwrote a NaN-filled buffer fails.
template <class S>
double worst_difference(const spec::Dense<S>& a, const spec::Dense<S>& b) {
  BOOST_REQUIRE_EQUAL(a.numel(), b.numel());
  double worst = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double d = std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])) / std::max(1.0, std::abs(static_cast<double>(b[i])));
    worst = worse(worst, std::isfinite(d) ? d : std::numeric_limits<double>::quiet_NaN());
  }
  return worst;
}

}  // namespace vt::rt::testing
