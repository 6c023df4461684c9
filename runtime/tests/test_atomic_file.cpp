#define BOOST_TEST_MODULE runtime_atomic_file
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "vt/runtime/io/atomic_file.hpp"
#include "runtime/tests/support.hpp"

namespace fs = std::filesystem;
using namespace vt::rt;
using namespace vt::rt::testing;

namespace {

constexpr std::size_t kChunk = AtomicFileWriter::kChunk;

// `n` bytes of a pattern that differs per `tag`, so that a mix of two
// versions would be noticed.
std::string pattern(std::size_t n, int tag) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + static_cast<std::size_t>(tag) * 7 + i / 251) & 0xFF);
  return s;
}

void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(out.good());
}

bool is_temp_name(const std::string& n) { return n.find(".tmp-") != std::string::npos; }

bool has_temp(const TempDir& d) {
  const auto names = d.names();
  return std::any_of(names.begin(), names.end(), is_temp_name);
}

// Checks that `f` throws FileError whose message contains every needle.
template <class F>
void expect_file_error(F&& f, const std::vector<std::string>& needles) {
  expect_error_containing<FileError>(std::forward<F>(f), needles);
}

// The message of the FileError that `f` throws; "" when it throws nothing,
// "<other: ...>" for another exception.
template <class F>
std::string file_error_message(F&& f) {
  try {
    f();
  } catch (const FileError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<other: ") + e.what() + ">";
  }
  return "";
}

// Sets the umask for one scope.
class Umask {
 public:
  explicit Umask(mode_t m) : old_(::umask(m)) {}
  ~Umask() { ::umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  BOOST_REQUIRE_EQUAL(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

// The pid in a temp file name <target>.tmp-<pid>-<seq>, or -1.
long pid_in(const std::string& name, const std::string& target) {
  const std::string prefix = target + ".tmp-";
  if (name.rfind(prefix, 0) != 0) return -1;
  const std::string rest = name.substr(prefix.size());
  const auto dash = rest.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == rest.size()) return -1;
  for (std::size_t i = 0; i < rest.size(); ++i)
    if (i != dash && (rest[i] < '0' || rest[i] > '9')) return -1;
  return std::stol(rest.substr(0, dash));
}

// A pid that no longer exists (a child that has been reaped).
pid_t dead_pid() {
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  BOOST_REQUIRE_EQUAL(::waitpid(child, nullptr, 0), child);
  return child;
}

}  // namespace

// ---------------------------------------------------------------------------
// Normal writes
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(write_file_atomic_creates_and_replaces) {
  TempDir dir;
  const auto p = dir.file("a.bin");
  write_file_atomic(p, "first");
  BOOST_CHECK_EQUAL(slurp(p), "first");
  const std::string big = pattern(5 * kChunk + 123, 1);
  write_file_atomic(p, big);
  BOOST_CHECK(slurp(p) == big);
  write_file_atomic(p, "");
  BOOST_CHECK_EQUAL(fs::file_size(p), 0u);
  BOOST_CHECK(dir.names() == std::vector<std::string>{"a.bin"});
}

BOOST_AUTO_TEST_CASE(relative_path_in_the_working_folder) {
  TempDir dir;
  const auto old = fs::current_path();
  fs::current_path(dir.path());
  write_file_atomic("rel.txt", "here");
  fs::current_path(old);
  BOOST_CHECK_EQUAL(slurp(dir.file("rel.txt")), "here");
  BOOST_CHECK(dir.names() == std::vector<std::string>{"rel.txt"});
}

BOOST_AUTO_TEST_CASE(probe_sees_chunks_of_at_most_64k) {
  TempDir dir;
  const std::string bytes = pattern(3 * kChunk + 17, 2);
  std::vector<std::size_t> marks;
  write_file_atomic(dir.file("p"), bytes, [&](std::size_t n) { marks.push_back(n); });
  BOOST_CHECK((marks == std::vector<std::size_t>{kChunk, 2 * kChunk, 3 * kChunk, 3 * kChunk + 17}));
  marks.clear();
  write_file_atomic(dir.file("empty"), "", [&](std::size_t n) { marks.push_back(n); });
  BOOST_CHECK(marks.empty());
}

BOOST_AUTO_TEST_CASE(streaming_writer_buffers_and_flushes_where_asked) {
  TempDir dir;
  const auto p = dir.file("s");
  std::vector<std::size_t> marks;
  std::string all;
  {
    AtomicFileWriter out(p, [&](std::size_t n) { marks.push_back(n); });
    BOOST_CHECK(out.path() == p);
    BOOST_CHECK_EQUAL(out.temp_path().parent_path(), p.parent_path());
    BOOST_CHECK_EQUAL(pid_in(out.temp_path().filename().string(), "s"), static_cast<long>(::getpid()));
    BOOST_CHECK(fs::exists(out.temp_path()));
    BOOST_CHECK(!fs::exists(p));
    for (int i = 0; i < 1000; ++i) {  // small pieces are buffered into whole chunks
      const std::string piece = pattern(100, i);
      out.write(piece);
      all += piece;
    }
    BOOST_CHECK_EQUAL(out.bytes_written(), kChunk);  // 100000 bytes in: one full chunk out
    out.flush_chunk();                               // an explicit, shorter chunk
    out.flush_chunk();                               // nothing buffered: no chunk, no probe
    const std::string big = pattern(2 * kChunk + 5, 9);  // straight through, then 5 buffered
    out.write(big);
    all += big;
    BOOST_CHECK_EQUAL(out.bytes_written(), 100000 + 2 * kChunk);
    BOOST_CHECK(!fs::exists(p));  // nothing visible before commit
    out.commit();
    BOOST_CHECK(!fs::exists(out.temp_path()));
    BOOST_CHECK_THROW(out.write("more"), std::logic_error);
    BOOST_CHECK_THROW(out.commit(), std::logic_error);
  }
  BOOST_CHECK((marks == std::vector<std::size_t>{kChunk, 100000, 100000 + kChunk, 100000 + 2 * kChunk,
                                                 100000 + 2 * kChunk + 5}));
  BOOST_CHECK(slurp(p) == all);
  BOOST_CHECK(dir.names() == std::vector<std::string>{"s"});
}

BOOST_AUTO_TEST_CASE(threads_writing_the_same_file_each_use_their_own_temp) {
  TempDir dir;
  const auto p = dir.file("shared");
  std::vector<std::string> versions;
  for (int t = 0; t < 4; ++t) versions.push_back(pattern(2 * kChunk + static_cast<std::size_t>(t), t));
  std::vector<std::thread> threads;
  std::vector<int> failures(versions.size(), 0);
  for (std::size_t t = 0; t < versions.size(); ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 10; ++k) {
        try {
          write_file_atomic(p, versions[t]);
        } catch (...) {
          ++failures[t];
        }
      }
    });
  for (auto& th : threads) th.join();
  for (int f : failures) BOOST_CHECK_EQUAL(f, 0);
  const std::string got = slurp(p);
  BOOST_CHECK(std::find(versions.begin(), versions.end(), got) != versions.end());
  BOOST_CHECK(dir.names() == std::vector<std::string>{"shared"});
}

// ---------------------------------------------------------------------------
// Failures leave the old file intact
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(exception_midway_keeps_old_file_and_removes_temp) {
  TempDir dir;
  const auto p = dir.file("f");
  write_file_atomic(p, "old contents");
  struct Simulated : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  // A throwing probe: the exception propagates unchanged.
  BOOST_CHECK_THROW(write_file_atomic(p, pattern(4 * kChunk, 3),
                                      [](std::size_t n) {
                                        if (n > kChunk) throw Simulated("disk full (simulated)");
                                      }),
                    Simulated);
  BOOST_CHECK_EQUAL(slurp(p), "old contents");
  BOOST_CHECK(!has_temp(dir));

  // The caller's own exception between writes.
  try {
    AtomicFileWriter out(p);
    out.write(pattern(3 * kChunk, 4));
    BOOST_CHECK(has_temp(dir));
    throw Simulated("encoder failed");
  } catch (const Simulated&) {
  }
  BOOST_CHECK_EQUAL(slurp(p), "old contents");
  BOOST_CHECK(dir.names() == std::vector<std::string>{"f"});

  // Destroyed without commit (an early return): no new file appears.
  {
    AtomicFileWriter out(dir.file("never"));
    out.write("x");
  }
  BOOST_CHECK(dir.names() == std::vector<std::string>{"f"});
}

BOOST_AUTO_TEST_CASE(write_error_midway_is_a_file_error_and_keeps_old_file) {
  TempDir dir;
  const auto p = dir.file("big");
  write_file_atomic(p, "old contents");
  // A child with a 100 kB file size limit: write(2) fails with EFBIG after the
  // first chunk. Exit codes: 0 ok, 1 no exception, 2 wrong message, 3 other exception.
  std::fflush(nullptr);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{100000, 100000};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    try {
      write_file_atomic(p, pattern(4 * kChunk, 5));
    } catch (const FileError& e) {
      const std::string msg = e.what();
      const bool ok = msg.find(p.string()) == 0 && msg.find("cannot write") != std::string::npos &&
                      msg.find("File too large") != std::string::npos && e.error() == EFBIG && e.path() == p;
      if (!ok) std::fprintf(stderr, "unexpected message: %s\n", msg.c_str());
      ::_exit(ok ? 0 : 2);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(1);
  }
  int status = 0;
  BOOST_REQUIRE_EQUAL(::waitpid(child, &status, 0), child);
  BOOST_CHECK_MESSAGE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status " << status);
  BOOST_CHECK_EQUAL(slurp(p), "old contents");
  BOOST_CHECK(dir.names() == std::vector<std::string>{"big"});
}

BOOST_AUTO_TEST_CASE(kill_midway_leaves_the_old_file_intact) {
  TempDir dir;
  const auto p = dir.file("k.dat");
  const std::string a = pattern(1000, 6);
  const std::string b = pattern(3 * kChunk + 999, 7);  // 4 chunks
  write_file_atomic(p, a);
  for (int streaming = 0; streaming < 2; ++streaming) {
    for (std::size_t kill_after = 1; kill_after <= 4; ++kill_after) {
      std::fflush(nullptr);
      const pid_t child = ::fork();
      BOOST_REQUIRE(child >= 0);
      if (child == 0) {
        std::size_t seen = 0;
        const auto probe = [&](std::size_t) {
          if (++seen == kill_after) ::raise(SIGKILL);
        };
        try {
          if (streaming) {
            AtomicFileWriter out(p, probe);
            for (std::size_t at = 0; at < b.size(); at += 1000) out.write(std::string_view(b).substr(at, 1000));
            out.commit();
          } else {
            write_file_atomic(p, b, probe);
          }
        } catch (...) {
          ::_exit(4);
        }
        ::_exit(3);  // the probe never fired: the test fails below
      }
      int status = 0;
      BOOST_REQUIRE_EQUAL(::waitpid(child, &status, 0), child);
      BOOST_REQUIRE_MESSAGE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                            "child did not die by SIGKILL (status " << status << ")");
      // The old file is untouched, bit for bit...
      BOOST_CHECK(slurp(p) == a);
      // ...and the killed writer's partial temp file, <name>.tmp-<pid>-<seq>, is left behind.
      const auto names = dir.names();
      BOOST_CHECK(std::any_of(names.begin(), names.end(),
                              [&](const std::string& n) { return pid_in(n, "k.dat") == static_cast<long>(child); }));
    }
  }
  BOOST_CHECK_EQUAL(dir.names().size(), 9u);  // the file and 8 leftovers
  // The dead writers' leftovers are recognised and removed.
  remove_stale_temp_files(p);
  BOOST_CHECK(dir.names() == std::vector<std::string>{"k.dat"});
  write_file_atomic(p, b);
  BOOST_CHECK(slurp(p) == b);
}

// ---------------------------------------------------------------------------
// Names, O_EXCL and permissions
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(temp_file_is_created_exclusively) {
  TempDir dir;
  const auto p = dir.file("x");
  std::size_t seq = 0;
  {
    AtomicFileWriter probe_name(p);
    const std::string n = probe_name.temp_path().filename().string();
    seq = std::stoul(n.substr(n.rfind('-') + 1));
  }
  // Files squatting on the next two names (say, left by a dead process that
  // had our pid) are neither truncated nor used: the writer takes the next one.
  const std::string mine = "x.tmp-" + std::to_string(::getpid()) + "-";
  spit(dir.file(mine + std::to_string(seq + 1)), "squatter 1");
  spit(dir.file(mine + std::to_string(seq + 2)), "squatter 2");
  {
    AtomicFileWriter out(p);
    BOOST_CHECK_EQUAL(out.temp_path().filename().string(), mine + std::to_string(seq + 3));
    out.write("new");
    out.commit();
  }
  BOOST_CHECK_EQUAL(slurp(p), "new");
  BOOST_CHECK_EQUAL(slurp(dir.file(mine + std::to_string(seq + 1))), "squatter 1");
  BOOST_CHECK_EQUAL(slurp(dir.file(mine + std::to_string(seq + 2))), "squatter 2");
  // Our own pid is never judged stale.
  remove_stale_temp_files(p);
  BOOST_CHECK_EQUAL(dir.names().size(), 3u);
}

BOOST_AUTO_TEST_CASE(new_file_gets_0666_minus_umask) {
  TempDir dir;
  const auto p = dir.file("perm");
  {
    Umask u(027);
    write_file_atomic(p, "a");
    BOOST_CHECK_EQUAL(mode_of(p), 0640u);
  }
  {
    Umask u(022);
    fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);  // 0600: not carried over
    write_file_atomic(p, "b");
    BOOST_CHECK_EQUAL(mode_of(p), 0644u);
  }
  {
    Umask u(0);
    AtomicFileWriter out(dir.file("perm2"));
    out.write("c");
    out.commit();
    BOOST_CHECK_EQUAL(mode_of(dir.file("perm2")), 0666u);
  }
}

BOOST_AUTO_TEST_CASE(unwritable_or_missing_folder_is_a_file_error_naming_the_path) {
  TempDir dir;
  const auto missing = dir.file("no/such/folder/f.txt");
  expect_file_error([&] { write_file_atomic(missing, "x"); },
                    {missing.string() + ": ", "cannot create temp file", "No such file or directory"});
  try {
    write_file_atomic(missing, "x");
  } catch (const FileError& e) {
    BOOST_CHECK(e.path() == missing);
    BOOST_CHECK_EQUAL(e.error(), ENOENT);
    BOOST_CHECK(e.action().find("cannot create temp file '" + missing.string() + ".tmp-") == 0);
  }

  spit(dir.file("plain"), "x");  // a file used as a folder
  const auto under_file = dir.file("plain") / "f.txt";
  expect_file_error([&] { write_file_atomic(under_file, "x"); }, {under_file.string(), "Not a directory"});

  expect_file_error([&] { AtomicFileWriter out(dir.path() / ""); }, {"names no file"});
  BOOST_CHECK(dir.names() == std::vector<std::string>{"plain"});

  // A folder we may not write to (0555). Root ignores permissions, so then the
  // writes run in a child that has dropped to uid/gid 65534 (nobody).
  const auto ro = dir.file("ro");
  fs::create_directory(ro);
  spit(ro / "f.txt", "old");
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec);
  const auto denied = [&]() -> std::string {  // "" when both writes fail as they should
    std::string problems;
    for (const auto& target : {ro / "f.txt", ro / "g.txt"}) {
      const std::string msg = file_error_message([&] { write_file_atomic(target, "new"); });
      if (msg.find(target.string() + ": cannot create temp file") != 0 || msg.find("Permission denied") == std::string::npos)
        problems += "unexpected message '" + msg + "'; ";
    }
    return problems;
  };
  if (::geteuid() != 0) {
    const std::string problems = denied();
    BOOST_CHECK_MESSAGE(problems.empty(), problems);
  } else {
    std::fflush(nullptr);
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(77);
      const std::string problems = denied();
      if (!problems.empty()) std::fprintf(stderr, "%s\n", problems.c_str());
      ::_exit(problems.empty() ? 0 : 1);
    }
    int status = 0;
    BOOST_REQUIRE_EQUAL(::waitpid(child, &status, 0), child);
    BOOST_REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) BOOST_TEST_MESSAGE("cannot drop root privileges: permission check skipped");
    else BOOST_CHECK_MESSAGE(WEXITSTATUS(status) == 0, "child found problems (see stderr)");
  }
  fs::permissions(ro, fs::perms::owner_all);
  BOOST_CHECK_EQUAL(slurp(ro / "f.txt"), "old");
  BOOST_CHECK_EQUAL(std::distance(fs::directory_iterator(ro), fs::directory_iterator()), 1);
}

// ---------------------------------------------------------------------------
// Stale temp files
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(stale_cleanup_removes_only_dead_writers_of_this_target) {
  TempDir dir;
  const auto p = dir.file("m.bin");
  const std::string dead = std::to_string(dead_pid());
  const std::string live = std::to_string(::getppid());
  const std::string self = std::to_string(::getpid());
  const std::vector<std::string> removed = {"m.bin.tmp-" + dead + "-0", "m.bin.tmp-" + dead + "-12345"};
  const std::vector<std::string> kept = {
      "m.bin",
      "m.bin.tmp-" + live + "-0",        // a live writer
      "m.bin.tmp-" + self + "-7",        // this process
      "other.bin.tmp-" + dead + "-0",    // another target
      "m.bin.tmp-" + dead,               // not the naming scheme
      "m.bin.tmp-" + dead + "-",         //
      "m.bin.tmp-" + dead + "-1x",       //
      "m.bin.tmp--0",                    //
      "m.bin.tmp-notapid-0",             //
      "m.bin.tmp." + dead + ".0",        //
      "xm.bin.tmp-" + dead + "-0",       //
  };
  for (const auto& n : removed) spit(dir.file(n), "stale");
  for (const auto& n : kept) spit(dir.file(n), "keep");
  fs::create_directory(dir.file("m.bin.tmp-" + dead + "-99"));  // not a regular file: left alone
  remove_stale_temp_files(p);
  auto want = kept;
  want.push_back("m.bin.tmp-" + dead + "-99");
  std::sort(want.begin(), want.end());
  BOOST_CHECK(dir.names() == want);
  // A missing folder or a path without a file name is not an error.
  BOOST_CHECK_NO_THROW(remove_stale_temp_files(dir.file("nope/m.bin")));
  BOOST_CHECK_NO_THROW(remove_stale_temp_files(dir.path() / ""));
}
