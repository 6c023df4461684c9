// run_process: a foreign program's output, exit status, crash and hang are
// all reported, and a hung program is killed at its deadline.
#define BOOST_TEST_MODULE bridge_subprocess
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "vt/bridge/subprocess.hpp"

using namespace std::chrono_literals;
using vt::bridge::run_process;

BOOST_AUTO_TEST_CASE(captures_output_and_exit_status) {
  const auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"}, {}, 10s);
  BOOST_TEST(r.out == "out\n");
  BOOST_TEST(r.err == "err\n");
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.status_text(10s) == "exit 3");
}

BOOST_AUTO_TEST_CASE(sets_extra_environment) {
  const auto r = run_process({"sh", "-c", "printf %s \"$VT_TEST_VALUE\""}, {{"VT_TEST_VALUE", "a b"}}, 10s);
  BOOST_TEST(r.ok());
  BOOST_TEST(r.out == "a b");
}

BOOST_AUTO_TEST_CASE(a_hung_program_is_killed_at_the_deadline) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_process({"sleep", "30"}, {}, 300ms);
  BOOST_TEST(r.timed_out);
  BOOST_TEST(!r.ok());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(seconds < 10.0);
  BOOST_TEST(r.status_text(300ms).find("timed out") == 0);
}

BOOST_AUTO_TEST_CASE(a_crash_is_reported_by_its_signal) {
  const auto r = run_process({"sh", "-c", "kill -SEGV $$"}, {}, 10s);
  BOOST_TEST(r.signal == 11);
  BOOST_TEST(r.status_text(10s).find("signal 11") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_program_is_a_clear_error) {
  BOOST_CHECK_EXCEPTION(run_process({"/nonexistent/veritape-no-such-program"}, {}, 10s), std::runtime_error,
                        [](const std::runtime_error& e) { return std::string(e.what()).find("cannot run /nonexistent") == 0; });
}

BOOST_AUTO_TEST_CASE(large_output_on_both_streams_does_not_deadlock) {
  const auto r = run_process({"sh", "-c", "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2"}, {}, 20s);
  BOOST_TEST(r.ok());
  BOOST_TEST(r.out.size() == 1000000u);
  BOOST_TEST(r.err.size() == 64u * 1024);  // the last 64 KiB: enough for a message
}
