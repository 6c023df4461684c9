#pragma once
// A running foreign program with pipes to its stdin, stdout and stderr:
// reads that wait at most until a deadline, and a destructor that kills and
// reaps it, so no path leaves a zombie or blocks forever.
#include <chrono>
#include <cstddef>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace vt::bridge {

using Clock = std::chrono::steady_clock;

// What ended a child: its exit code or signal, as "exit 3" or
// "killed by signal 9 (Killed)".
std::string exit_text(int wait_status);
// A timeout for messages: "3 s", "0.3 s".
std::string seconds_text(std::chrono::milliseconds t);

class ChildProcess {
 public:
  // Starts argv[0] (found on PATH) with `env` added to this process's
  // environment. Throws std::runtime_error naming the program if it cannot start.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env);
  ~ChildProcess();  // SIGKILL if still running, then waitpid
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  enum class Read { data, eof, timeout };
  // Appends what stdout has (at least one byte) to `out`, collecting stderr
  // on the way (err()); waits until the deadline at most.
  Read read_stdout(std::string& out, Clock::time_point deadline);
  // Writes all of `bytes` to stdin; false when the child closed it.
  bool write_stdin(const std::string& bytes);
  void close_stdin();
  // Waits for the exit until the deadline, then kills; returns the wait status.
  int finish(Clock::time_point deadline);
  void kill();
  const std::string& err() const { return err_; }
  bool running() const { return pid_ > 0 && !reaped_; }

 private:
  void drain_stderr_until(Clock::time_point deadline);
  void read_stderr();  // one read into err_ (its last 64 KiB kept); closes it at end of stream
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, errfd_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string err_;
};

}  // namespace vt::bridge
