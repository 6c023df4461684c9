#pragma once
// Running a foreign program (the PyTorch exporter) with a deadline: argv is
// passed as is (no shell), stdout and stderr are captured, and a program
// still running at the deadline is killed, never waited on forever.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace vt::bridge {

struct ProcessResult {
  int exit_code = -1;      // when it exited
  int signal = 0;          // when a signal ended it (SIGKILL after a timeout)
  bool timed_out = false;
  int wait_status = 0;     // as waitpid gave it
  std::string out, err;  // all of stdout; the last 64 KiB of stderr
  bool ok() const { return !timed_out && signal == 0 && exit_code == 0; }
  // "exit 3", "killed by signal 9", "timed out after 60 s": for messages.
  std::string status_text(std::chrono::milliseconds timeout) const;
};

// Extra environment entries (NAME, value) are set on top of this process's
// environment. Throws std::runtime_error when the program cannot be started
// (not found, not executable), naming it.
ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout);

}  // namespace vt::bridge
