#pragma once
// Writes a whole file so that readers see either the old contents or the new,
// never a mix: the bytes go to a temporary file in the same folder, which is
// fsynced, renamed over the target, and the folder fsynced. On any failure
// the temporary file is removed and the old file is untouched.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string_view>

namespace vt::rt {

class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Called after each chunk (at most 64 KiB) with the bytes written so far; a
// test uses it to kill the process midway.
using WriteProbe = std::function<void(std::size_t bytes_written)>;

// FileError naming the path and the system's reason.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes, const WriteProbe& probe = {});

}  // namespace vt::rt
