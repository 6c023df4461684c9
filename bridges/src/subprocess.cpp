#include "vt/bridge/subprocess.hpp"

#include <sys/wait.h>


#include "vt/bridge/child_process.hpp"

namespace vt::bridge {

std::string ProcessResult::status_text(std::chrono::milliseconds timeout) const {
  return timed_out ? "timed out after " + seconds_text(timeout) + " (killed)" : exit_text(wait_status);
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  ChildProcess child(argv, env);
  child.close_stdin();
  ProcessResult r;
  ChildProcess::Read got = ChildProcess::Read::data;
  while (got == ChildProcess::Read::data) got = child.read_stdout(r.out, deadline);
  r.timed_out = got == ChildProcess::Read::timeout;
  if (r.timed_out) child.kill();
  const int status = r.wait_status = child.finish(deadline);
  r.err = child.err();
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace vt::bridge
