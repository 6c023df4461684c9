#include "vt/runtime/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace vt::rt {

// ---------------------------------------------------------------------------
// FileError
// ---------------------------------------------------------------------------
struct FileError::Parts {
  std::filesystem::path path;
  std::string action;
  int err = 0;
};

namespace {

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

constexpr char kTempMarker[] = ".tmp-";

// Process-wide, so that threads writing the same target get distinct names.
std::atomic<unsigned long long> g_temp_seq{0};

// <filename>.tmp-<pid>-<seq>, in the target's folder (so that rename() is atomic).
std::filesystem::path temp_name(const std::filesystem::path& path, unsigned long long seq) {
  std::filesystem::path tmp = path;
  tmp += kTempMarker + std::to_string(::getpid()) + "-" + std::to_string(seq);
  return tmp;
}

bool all_digits(std::string_view s, std::size_t max_len) {
  return !s.empty() && s.size() <= max_len && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::filesystem::path folder_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

}  // namespace

FileError::FileError(const std::string& what)
    : std::runtime_error(what), parts_(std::make_shared<const Parts>(Parts{{}, what, 0})) {}

FileError::FileError(const std::filesystem::path& path, const std::string& action, int err)
    : std::runtime_error(path.string() + ": " + action + (err ? ": " + errno_text(err) : std::string())),
      parts_(std::make_shared<const Parts>(Parts{path, action, err})) {}

const std::filesystem::path& FileError::path() const noexcept { return parts_->path; }
const std::string& FileError::action() const noexcept { return parts_->action; }
int FileError::error() const noexcept { return parts_->err; }

// ---------------------------------------------------------------------------
// AtomicFileWriter
// ---------------------------------------------------------------------------
AtomicFileWriter::AtomicFileWriter(std::filesystem::path path, WriteProbe probe)
    : path_(std::move(path)), probe_(std::move(probe)) {
  if (path_.empty() || !path_.has_filename()) throw FileError(path_, "cannot create temp file: the path names no file", 0);
  // O_EXCL: never truncate or follow someone else's file. EEXIST can only be a
  // leftover of a dead process that had our pid (or a name a user made up):
  // take the next number.
  for (int attempt = 0;; ++attempt) {
    tmp_ = temp_name(path_, g_temp_seq.fetch_add(1, std::memory_order_relaxed));
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) break;
    const int e = errno;
    if (e == EINTR || (e == EEXIST && attempt < 100)) continue;
    throw FileError(path_, "cannot create temp file " + quoted(tmp_), e);
  }
  buf_.reserve(kChunk);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFileWriter::fail(const std::string& action, int err) {
  failed_ = true;
  throw FileError(path_, action, err);
}

void AtomicFileWriter::write_chunk(const char* p, std::size_t n) {
  std::size_t left = n;
  while (left > 0) {
    const ssize_t w = ::write(fd_, p, left);
    const int e = w < 0 ? errno : EIO;  // before any allocation can change errno
    if (w < 0 && e == EINTR) continue;
    if (w <= 0) fail("cannot write " + quoted(tmp_), e);
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  written_ += n;
}

void AtomicFileWriter::check_open(const char* what) const {
  if (failed_ || committed_ || fd_ < 0)
    throw std::logic_error(std::string("AtomicFileWriter::") + what + " after a failure or commit, for " +
                           path_.string());
}

void AtomicFileWriter::write(std::string_view bytes) {
  check_open("write");
  while (!bytes.empty()) {
    if (buf_.empty() && bytes.size() >= kChunk) {  // a whole chunk: straight from `bytes`
      write_chunk(bytes.data(), kChunk);
      bytes.remove_prefix(kChunk);
      if (probe_) probe_(written_);
      continue;
    }
    const std::size_t k = std::min(bytes.size(), kChunk - buf_.size());
    buf_.insert(buf_.end(), bytes.data(), bytes.data() + k);
    bytes.remove_prefix(k);
    if (buf_.size() == kChunk) flush_chunk();
  }
}

void AtomicFileWriter::flush_chunk() {
  if (buf_.empty()) return;
  check_open("flush_chunk");
  write_chunk(buf_.data(), buf_.size());
  buf_.clear();  // before the probe: should it throw, nothing is written twice
  if (probe_) probe_(written_);
}

void AtomicFileWriter::commit() {
  flush_chunk();
  check_open("commit");
  if (::fsync(fd_) != 0) {
    const int e = errno;
    fail("cannot fsync " + quoted(tmp_), e);
  }
  // Closed explicitly, so that a deferred write error reported by close() is
  // seen; the descriptor is gone either way.
  if (::close(std::exchange(fd_, -1)) != 0) {
    const int e = errno;
    fail("cannot close " + quoted(tmp_), e);
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    fail("cannot rename " + quoted(tmp_) + " to " + quoted(path_), e);
  }
  committed_ = true;

  const std::filesystem::path dir = folder_of(path_);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int e = 0;
  if (dfd < 0) {
    e = errno;
  } else {
    if (::fsync(dfd) != 0) e = errno;
    ::close(dfd);
  }
  // Some file systems cannot sync a folder; anything else is an error: the new
  // file is in place, but the rename may not survive a power loss.
  if (e != 0 && e != EINVAL && e != ENOTSUP) fail("cannot fsync folder " + quoted(dir), e);
}

// ---------------------------------------------------------------------------
// Free functions
// ---------------------------------------------------------------------------
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes, const WriteProbe& probe) {
  AtomicFileWriter out(path, probe);
  out.write(bytes);
  out.commit();
}

void remove_stale_temp_files(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  if (path.empty() || !path.has_filename()) return;
  const std::string prefix = path.filename().string() + kTempMarker;
  const long self = static_cast<long>(::getpid());
  std::error_code ec;
  for (fs::directory_iterator it(folder_of(path), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string f = it->path().filename().string();
    if (f.size() <= prefix.size() || f.compare(0, prefix.size(), prefix) != 0) continue;
    // <pid>-<seq>
    const std::string_view rest = std::string_view(f).substr(prefix.size());
    const std::size_t dash = rest.find('-');
    if (dash == std::string_view::npos) continue;
    const std::string_view pid_text = rest.substr(0, dash), seq_text = rest.substr(dash + 1);
    if (!all_digits(pid_text, 9) || !all_digits(seq_text, 20)) continue;
    const long pid = std::stol(std::string(pid_text));
    if (pid <= 0 || pid == self) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    std::error_code st;
    if (!fs::is_regular_file(it->symlink_status(st)) || st) continue;
    std::error_code rm;
    fs::remove(it->path(), rm);
  }
}

}  // namespace vt::rt
