#include "vt/runtime/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace vt::rt {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int err) {
  throw FileError(path.string() + ": " + what + ": " + std::strerror(err));
}

// The open temporary file: closed, and removed unless renamed, on every exit.
class TempFile {
 public:
  explicit TempFile(std::filesystem::path p) : path_(std::move(p)) {
    // 0666 minus the umask: the permissions a plain fopen would give.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!renamed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }
  // Explicit, so that a deferred write error reported by close() is seen.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void renamed() { renamed_ = true; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool renamed_ = false;
};

// Same folder as the target, so that rename() is atomic; pid and a counter
// make the name unique across processes and threads (O_EXCL guards the rest).
std::filesystem::path temp_path_for(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  return tmp;
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path, const WriteProbe& probe) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, std::min(kChunk, bytes.size() - done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path, "write failed", errno);
    done += static_cast<std::size_t>(n);
    if (probe) probe(done);
  }
}

// Best effort: makes the rename itself durable. Failing here does not undo
// the write, so it is not reported.
void sync_parent_folder(const std::filesystem::path& path) {
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes, const WriteProbe& probe) {
  const std::filesystem::path tmp = temp_path_for(path);
  TempFile file(tmp);
  if (file.fd() < 0) fail(path, "cannot create temp file " + tmp.string(), errno);
  write_all(file.fd(), bytes, path, probe);
  if (::fsync(file.fd()) != 0) fail(path, "fsync failed", errno);
  if (file.close() != 0) fail(path, "close failed", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(path, "rename failed", errno);
  file.renamed();
  sync_parent_folder(path);
}

}  // namespace vt::rt
