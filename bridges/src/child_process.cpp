#include "vt/bridge/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>

extern char** environ;

namespace vt::bridge {
namespace {

std::vector<std::string> merged_environment(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Both ends of three pipes, closed on every path out of the constructor.
struct Pipes {
  std::array<int, 6> fd{-1, -1, -1, -1, -1, -1};  // stdin r/w, stdout r/w, stderr r/w
  Pipes() {
    for (int i = 0; i < 3; ++i)
      if (::pipe2(&fd[static_cast<std::size_t>(2 * i)], O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  ~Pipes() {
    for (int& f : fd) close_fd(f);
  }
  int take(std::size_t i) { return std::exchange(fd[i], -1); }
};

struct FileActions {
  posix_spawn_file_actions_t a;
  FileActions() { posix_spawn_file_actions_init(&a); }
  ~FileActions() { posix_spawn_file_actions_destroy(&a); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
};

int ms_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// Keeps the last part of a stream: enough for an error message.
constexpr std::size_t kMaxStderr = 64 * 1024;

}  // namespace

std::string exit_text(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  return "status " + std::to_string(status);
}

std::string seconds_text(std::chrono::milliseconds t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(t.count()) / 1000);
  return buf;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env) {
  if (argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
  Pipes p;
  FileActions fa;
  posix_spawn_file_actions_adddup2(&fa.a, p.fd[0], 0);
  posix_spawn_file_actions_adddup2(&fa.a, p.fd[3], 1);
  posix_spawn_file_actions_adddup2(&fa.a, p.fd[5], 2);
  std::vector<std::string> args = argv, envs = merged_environment(env);
  const auto c_args = c_strings(args), c_env = c_strings(envs);
  if (const int rc = posix_spawnp(&pid_, c_args[0], &fa.a, nullptr, c_args.data(), c_env.data()); rc != 0)
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  in_ = p.take(1), out_ = p.take(2), errfd_ = p.take(4);
  ::signal(SIGPIPE, SIG_IGN);  // a dead child's stdin: write() returns EPIPE instead of killing us
}

ChildProcess::~ChildProcess() {
  kill();
  close_fd(in_);
  close_fd(out_);
  close_fd(errfd_);
}

ChildProcess::Read ChildProcess::read_stdout(std::string& out, Clock::time_point deadline) {
  while (true) {
    std::array<pollfd, 2> fds{pollfd{out_, POLLIN, 0}, pollfd{errfd_, POLLIN, 0}};
    const int n = ::poll(fds.data(), errfd_ >= 0 ? 2 : 1, ms_until(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return Read::timeout;
    if (n < 0) return Read::eof;
    if (errfd_ >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) read_stderr();
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      const ssize_t got = ::read(out_, buf, sizeof buf);
      if (got > 0) {
        out.append(buf, static_cast<std::size_t>(got));
        return Read::data;
      }
      if (got == 0 || errno != EINTR) return Read::eof;
    }
  }
}

bool ChildProcess::write_stdin(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(in_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void ChildProcess::close_stdin() { close_fd(in_); }

void ChildProcess::read_stderr() {
  char buf[65536];
  const ssize_t got = ::read(errfd_, buf, sizeof buf);
  if (got > 0) {
    err_.append(buf, static_cast<std::size_t>(got));
    if (err_.size() > kMaxStderr) err_.erase(0, err_.size() - kMaxStderr);
  } else if (got == 0 || errno != EINTR) {
    close_fd(errfd_);
  }
}

void ChildProcess::drain_stderr_until(Clock::time_point deadline) {
  while (errfd_ >= 0 && Clock::now() < deadline) {
    pollfd fd{errfd_, POLLIN, 0};
    if (::poll(&fd, 1, ms_until(deadline)) <= 0) return;
    read_stderr();
  }
}

int ChildProcess::finish(Clock::time_point deadline) {
  if (reaped_) return status_;
  drain_stderr_until(deadline);
  while (Clock::now() < deadline) {
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) return reaped_ = true, status_;
    if (r < 0 && errno != EINTR) break;
    ::usleep(2000);
  }
  kill();
  return status_;
}

void ChildProcess::kill() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

}  // namespace vt::bridge
