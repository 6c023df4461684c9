#pragma once
// Writes a whole file so that readers see either the old contents or the new,
// never a mix. This is the one implementation behind write_file_atomic (NPY,
// NPZ, the trainer's run folder) and save_checkpoint.
//
// How: the bytes go to a temporary file in the same folder as the target,
//
//   <filename>.tmp-<pid>-<seq>
//
// where <pid> is the writing process's id and <seq> a per-process counter
// (both decimal). It is created with O_CREAT | O_EXCL and mode 0666 (so the
// umask applies, as for a plain fopen; the new file gets those permissions,
// not the old file's); on EEXIST (a leftover of a dead process that had the
// same pid) the next <seq> is tried. The file is written in chunks of at most
// 64 KiB, fsynced, closed, renamed over the target, and then the folder is
// fsynced so that the rename itself is durable. Until the rename, the target
// is untouched; on any failure (or exception) before it, the temporary file
// is removed.
//
// A writer killed midway (SIGKILL, power loss) cannot remove its temporary
// file; remove_stale_temp_files() deletes such leftovers for one target
// (save_checkpoint calls it after every successful save).
//
// Two threads or processes may write the same target at the same time: each
// has its own temporary file, and the last rename wins.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vt::rt {

// A file could not be written (or a run folder created). The message is
// "<path>: <action>: <system's reason>", e.g.
//   run/log.csv: cannot create temp file 'run/log.csv.tmp-4242-0': Permission denied
// path(), action() and error() give the parts, so that callers can word
// their own message (save_checkpoint does).
class FileError : public std::runtime_error {
 public:
  // A free-form message: path() is empty, action() is the message, error() 0.
  explicit FileError(const std::string& what);
  FileError(const std::filesystem::path& path, const std::string& action, int err);

  const std::filesystem::path& path() const noexcept;
  const std::string& action() const noexcept;
  int error() const noexcept;  // the errno value, 0 if none

 private:
  struct Parts;
  std::shared_ptr<const Parts> parts_;  // shared: copying an exception must not throw
};

// Called after each chunk written to the temporary file, with the number of
// bytes written so far; a test uses it to kill the process midway. An
// exception it throws propagates (and the temporary file is removed).
using WriteProbe = std::function<void(std::size_t bytes_written)>;

// A streaming atomic write:
//
//   AtomicFileWriter out(path, probe);   // creates the temporary file
//   out.write(header);                   // buffered
//   out.write(payload);
//   out.commit();                        // flush, fsync, close, rename, fsync folder
//
// Destroyed without a successful commit() (an exception, an early return),
// it closes and removes the temporary file: the target keeps its old
// contents. Every failure throws FileError naming the target path.
class AtomicFileWriter {
 public:
  static constexpr std::size_t kChunk = 64 * 1024;  // largest chunk handed to write(2)

  // Creates the temporary file next to `path`; FileError ("cannot create temp
  // file ...") when the folder is missing, unwritable, not a folder, or `path`
  // has no file name.
  explicit AtomicFileWriter(std::filesystem::path path, WriteProbe probe = {});
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Appends bytes. They are written in chunks of exactly kChunk bytes as the
  // buffer fills (large inputs go straight from `bytes`, without a copy);
  // the probe runs after each chunk.
  void write(std::string_view bytes);
  // Writes whatever is buffered as one (shorter) chunk and runs the probe;
  // nothing when the buffer is empty. Lets a caller put a chunk boundary at
  // a point of its choosing.
  void flush_chunk();
  // flush_chunk(), fsync, close, rename over the target, fsync the folder
  // (file systems that cannot sync a folder, EINVAL/ENOTSUP, are tolerated).
  // If only the folder fsync fails, the new file is in place but FileError is
  // still thrown. Call at most once: write(), flush_chunk() or commit() after
  // a commit or after a FileError throws std::logic_error.
  void commit();

  const std::filesystem::path& path() const noexcept { return path_; }
  const std::filesystem::path& temp_path() const noexcept { return tmp_; }
  // Bytes written to the temporary file so far (what the probe was told last).
  std::size_t bytes_written() const noexcept { return written_; }

 private:
  void write_chunk(const char* p, std::size_t n);  // all n bytes, no probe
  void check_open(const char* what) const;         // std::logic_error after a failure or commit
  [[noreturn]] void fail(const std::string& action, int err);

  std::filesystem::path path_;
  std::filesystem::path tmp_;
  WriteProbe probe_;
  int fd_ = -1;
  bool committed_ = false;  // renamed: the temporary file no longer exists
  bool failed_ = false;     // an I/O error was thrown: no more writes
  std::vector<char> buf_;
  std::size_t written_ = 0;
};

// Writes `bytes` to `path` atomically (an AtomicFileWriter, written and
// committed). FileError naming the path and the system's reason.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes, const WriteProbe& probe = {});

// Removes the temporary files that killed writers left next to `path`: files
// named exactly <filename>.tmp-<pid>-<seq> (decimal digits) in its folder,
// that are regular files, and whose <pid> is not this process and no longer
// exists (kill(pid, 0) fails with ESRCH). Files of live processes, of other
// targets, and every other name are left alone; errors are ignored. Caveat:
// on a folder shared between machines (NFS) a pid from another machine may
// look dead here; removing such a writer's temporary file makes its rename
// fail with an error, never corrupts the target.
void remove_stale_temp_files(const std::filesystem::path& path);

}  // namespace vt::rt
