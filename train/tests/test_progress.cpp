#define BOOST_TEST_MODULE train_progress
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "vt/train/progress.hpp"

using namespace vt::train;

namespace {

// A FILE* writing into memory, and a clock the test moves by hand.
struct Capture {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = nullptr;
  Capture() { f = ::open_memstream(&buf, &len); BOOST_REQUIRE(f); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  ~Capture() {
    std::fclose(f);
    std::free(buf);
  }
  std::string text() {
    std::fflush(f);
    return std::string(buf, len);
  }
};

struct FakeClock {
  double t = 1000.0;
  std::function<double()> fn() {
    return [this] { return t; };
  }
};

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (auto nl = s.find('\n'); nl != std::string::npos; nl = s.find('\n', at)) {
    out.push_back(s.substr(at, nl - at));
    at = nl + 1;
  }
  if (at < s.size()) out.push_back(s.substr(at));
  return out;
}

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(durations) {
  BOOST_CHECK_EQUAL(format_duration(0), "0:00");
  BOOST_CHECK_EQUAL(format_duration(12), "0:12");
  BOOST_CHECK_EQUAL(format_duration(12.4), "0:12");
  BOOST_CHECK_EQUAL(format_duration(59.5), "1:00");
  BOOST_CHECK_EQUAL(format_duration(62), "1:02");
  BOOST_CHECK_EQUAL(format_duration(3599), "59:59");
  BOOST_CHECK_EQUAL(format_duration(3600), "1:00:00");
  BOOST_CHECK_EQUAL(format_duration(3723), "1:02:03");
  BOOST_CHECK_EQUAL(format_duration(100 * 3600 + 61), "100:01:01");
  BOOST_CHECK_EQUAL(format_duration(-1), "--:--");
  BOOST_CHECK_EQUAL(format_duration(std::numeric_limits<double>::quiet_NaN()), "--:--");
  BOOST_CHECK_EQUAL(format_duration(std::numeric_limits<double>::infinity()), "--:--");
  BOOST_CHECK_EQUAL(format_duration(1e300), "--:--");
}

BOOST_AUTO_TEST_CASE(rates) {
  BOOST_CHECK_EQUAL(format_rate(1520), "1520 it/s");
  BOOST_CHECK_EQUAL(format_rate(1519.6), "1520 it/s");
  BOOST_CHECK_EQUAL(format_rate(15.24), "15.2 it/s");
  BOOST_CHECK_EQUAL(format_rate(1.523), "1.52 it/s");
  BOOST_CHECK_EQUAL(format_rate(0.4), "2.50 s/it");
  BOOST_CHECK_EQUAL(format_rate(0), "? it/s");
  BOOST_CHECK_EQUAL(format_rate(std::numeric_limits<double>::infinity()), "? it/s");
}

// Plain mode: 90 batches of 1/16 s each; one line per second at most, and the
// epoch-end line.
BOOST_AUTO_TEST_CASE(plain_lines_are_throttled) {
  Capture cap;
  FakeClock clock;
  Progress p(cap.f, {false, 1.0, 30}, clock.fn());
  p.start_epoch(3, 20, 90);
  BOOST_CHECK_EQUAL(cap.text(), "");  // nothing until something happened
  for (int i = 1; i <= 90; ++i) {
    clock.t += 0.0625;
    p.update(i, 0.5);
  }
  clock.t += 0.0625;
  p.end_epoch("val_acc 0.9000");
  const std::string out = cap.text();
  BOOST_CHECK(out.find('\r') == std::string::npos);
  BOOST_CHECK(out.find('\x1b') == std::string::npos);
  const auto ls = lines(out);
  BOOST_REQUIRE_EQUAL(ls.size(), 6u);  // at 1, 2, 3, 4, 5 s and the end
  BOOST_CHECK_EQUAL(ls[0], "epoch 3/20  16/90 batches  loss 0.5000  16.0 it/s  ETA 0:05");
  BOOST_CHECK_EQUAL(ls[1], "epoch 3/20  32/90 batches  loss 0.5000  16.0 it/s  ETA 0:04");
  BOOST_CHECK_EQUAL(ls[4], "epoch 3/20  80/90 batches  loss 0.5000  16.0 it/s  ETA 0:01");
  BOOST_CHECK_EQUAL(ls[5], "epoch 3/20  90/90 batches  loss 0.5000  15.8 it/s  took 0:06  val_acc 0.9000");
  BOOST_CHECK(out.back() == '\n');
}

BOOST_AUTO_TEST_CASE(short_epochs_print_only_their_end) {
  Capture cap;
  FakeClock clock;
  Progress p(cap.f, {false, 2.0, 30}, clock.fn());
  for (int e = 1; e <= 3; ++e) {
    p.start_epoch(e, 3, 10);
    for (int i = 1; i <= 10; ++i) {
      clock.t += 0.125;
      p.update(i, 1.0 / i);
    }
    p.end_epoch("");
  }
  const auto ls = lines(cap.text());
  BOOST_REQUIRE_EQUAL(ls.size(), 3u);
  // Mean of 1/1 .. 1/10 = 0.29289...
  BOOST_CHECK_EQUAL(ls[0], "epoch 1/3  10/10 batches  loss 0.2929  8.00 it/s  took 0:01");
  BOOST_CHECK_EQUAL(ls[2].substr(0, 10), "epoch 3/3 ");
}

BOOST_AUTO_TEST_CASE(rate_and_eta_numbers) {
  Capture cap;
  FakeClock clock;
  Progress p(cap.f, {false, 1.0, 30}, clock.fn());
  p.start_epoch(1, 2, 10000);
  clock.t += 3;
  p.update(4560, 0.1234);
  clock.t += 10;
  p.update(4561, std::numeric_limits<double>::quiet_NaN());
  const auto ls = lines(cap.text());
  BOOST_REQUIRE_EQUAL(ls.size(), 2u);
  BOOST_CHECK_EQUAL(ls[0], "epoch 1/2  4560/10000 batches  loss 0.1234  1520 it/s  ETA 0:04");
  // 4561 batches in 13 s: 350.8 it/s, 5439 left -> 15.5 s; a NaN loss shows.
  BOOST_CHECK_EQUAL(ls[1], "epoch 1/2  4561/10000 batches  loss nan  351 it/s  ETA 0:16");

  // Slow batches: seconds per batch, ETA in hours.
  Capture cap2;
  Progress q(cap2.f, {false, 1.0, 30}, clock.fn());
  q.start_epoch(7, 0, 5000);
  clock.t += 5;
  q.update(2, 123456.78);
  BOOST_CHECK_EQUAL(cap2.text(), "epoch 7  2/5000 batches  loss 1.235e+05  2.50 s/it  ETA 3:28:15\n");

  // Unknown batch count: no bar, no ETA; tiny losses in exponent form.
  Capture cap3;
  Progress r(cap3.f, {true, 1.0, 10}, clock.fn());
  r.start_epoch(1, 1, 0);
  clock.t += 2;
  r.update(50, 1e-6);
  const std::string t = cap3.text();
  BOOST_CHECK(t.find(" [") == std::string::npos);  // no bar
  BOOST_CHECK(t.find("ETA") == std::string::npos);
  BOOST_CHECK(t.find("epoch 1/1 50 batches  loss 1.000e-06  25.0 it/s\x1b[K") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(terminal_redraws_in_place) {
  Capture cap;
  FakeClock clock;
  Progress p(cap.f, {true, 1.0, 10}, clock.fn());
  p.start_epoch(3, 20, 90);
  std::string first = cap.text();
  BOOST_CHECK_EQUAL(first, "\repoch 3/20 [..........] 0/90 batches  ? it/s  ETA ?\x1b[K");
  for (int i = 1; i <= 90; ++i) {
    clock.t += 0.0625;
    p.update(i, 0.5);
    if (i == 46) {  // 2.875 s: redrawn at i = 46 (last at 44 + 0.125 s)
      const std::string s = cap.text();
      const std::string last = s.substr(s.rfind('\r'));
      BOOST_CHECK_EQUAL(last, "\repoch 3/20 [#####.....] 46/90 batches  loss 0.5000  16.0 it/s  ETA 0:03\x1b[K");
    }
  }
  clock.t += 0.0625;
  p.end_epoch("val_acc 0.9000");
  const std::string out = cap.text();
  BOOST_CHECK_EQUAL(count(out, "\n"), 1u);  // one line per epoch
  BOOST_CHECK(out.back() == '\n');
  const std::string last = out.substr(out.rfind('\r'));
  BOOST_CHECK_EQUAL(last, "\repoch 3/20 [##########] 90/90 batches  loss 0.5000  15.8 it/s  0:06  val_acc 0.9000\x1b[K\n");
  // Every redraw starts at column 0 and clears the rest of the line.
  BOOST_CHECK_EQUAL(count(out, "\r"), count(out, "\x1b[K"));
  // Throttled: a redraw per 0.1 s at most (the 1/16 s batches give one every
  // second batch), plus the first and the last.
  BOOST_CHECK_LE(count(out, "\r"), 2u + 45u + 1u);
  BOOST_CHECK_GE(count(out, "\r"), 40u);

  // A new epoch after end_epoch starts on its own line; one without
  // end_epoch first finishes the open line.
  p.start_epoch(4, 20, 90);
  p.start_epoch(5, 20, 90);
  const std::string more = cap.text().substr(out.size());
  BOOST_CHECK(more.rfind("\repoch 4/20", 0) == 0);
  BOOST_CHECK(more.find("\x1b[K\n\repoch 5/20") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(terminal_detection) {
  int fds[2];
  BOOST_REQUIRE_EQUAL(::pipe(fds), 0);
  BOOST_CHECK(!Progress::is_terminal(fds[0]));
  BOOST_CHECK(!Progress::is_terminal(fds[1]));
  ::close(fds[0]);
  ::close(fds[1]);
  std::FILE* f = std::tmpfile();
  BOOST_REQUIRE(f);
  BOOST_CHECK(!Progress::is_terminal(::fileno(f)));
  std::fclose(f);
  BOOST_CHECK(!Progress::is_terminal(-1));

  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
    BOOST_TEST_MESSAGE("no pseudo-terminal available; skipping the tty half");
    if (master >= 0) ::close(master);
    return;
  }
  const char* old = std::getenv("TERM");
  const std::string saved = old ? old : "";
  ::setenv("TERM", "xterm-256color", 1);
  BOOST_CHECK(Progress::is_terminal(master));
  ::setenv("TERM", "dumb", 1);
  BOOST_CHECK(!Progress::is_terminal(master));
  if (old) ::setenv("TERM", saved.c_str(), 1);
  else ::unsetenv("TERM");
  ::close(master);
}

BOOST_AUTO_TEST_CASE(default_clock_and_null_stream) {
  Capture cap;
  Progress p(cap.f, {false, 0.0, 30});  // interval 0: every update prints
  p.start_epoch(1, 1, 3);
  p.update(1, 1.0);
  p.update(2, 1.0);
  p.end_epoch("done");
  const auto ls = lines(cap.text());
  BOOST_REQUIRE_EQUAL(ls.size(), 3u);
  BOOST_CHECK(ls[2].find("2/3 batches  loss 1.0000") != std::string::npos);
  BOOST_CHECK(ls[2].find("done") != std::string::npos);
  Progress quiet(nullptr, {true, 1.0, 30});
  quiet.start_epoch(1, 1, 1);
  quiet.update(1, 0.0);
  quiet.end_epoch("");
}
