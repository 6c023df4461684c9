#pragma once
// Checkpoints: named tensors (f32, f64, i64) plus JSON metadata, in one
// checksummed binary file written atomically by an AtomicFileWriter (temp
// file, fsync, rename, fsync of the folder; see atomic_file.hpp). Loading
// checks the magic, version, every length and the checksum before anything
// is returned. docs/checkpoint-format.md describes the bytes.
//
//   rt::Checkpoint c;
//   c.meta["epoch"] = 3;
//   c.put("w1", w1);                       // spec::Dense<float>
//   rt::save_checkpoint("run/ckpt.vtck", c);
//   auto back = rt::load_checkpoint("run/ckpt.vtck");
//   spec::Dense<float> w = back.get<float>("w1");
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "vt/runtime/io/atomic_file.hpp"  // WriteProbe
#include "vt/spec/dense.hpp"
#include "vt/spec/dtype.hpp"

namespace vt::rt {

// Any problem reading or writing a checkpoint; the message names the file
// and, when reading, the byte offset and what was expected there.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TensorRecord {
  std::string name;
  spec::DType dtype = spec::DType::f32;
  spec::Shape shape;
  std::vector<std::byte> bytes;  // shape.numel() elements, little-endian, C order
};

struct Checkpoint {
  nlohmann::json meta = nlohmann::json::object();
  std::vector<TensorRecord> tensors;

  // Adds (or replaces) a tensor; S is float, double or std::int64_t.
  template <class S>
  void put(const std::string& name, const spec::Dense<S>& t);
  // The tensor called `name` as Dense<S>; CheckpointError when it is missing
  // or stored with another dtype (the message names both).
  template <class S>
  spec::Dense<S> get(const std::string& name) const;
  bool has(const std::string& name) const;
  const TensorRecord& record(const std::string& name) const;
};

// Writes `c` to `path` atomically: the old file (if any) stays intact until
// the new one is complete and synced. CheckpointError on any I/O failure.
// `probe` (a test hook, see atomic_file.hpp) is called after each chunk of
// at most 64 KiB with the bytes written so far; there is a chunk boundary
// strictly inside the data of every tensor of 2 bytes or more. After a
// successful save, temporary files of dead writers of `path` are removed
// (remove_stale_temp_files).
void save_checkpoint(const std::filesystem::path& path, const Checkpoint& c, const WriteProbe& probe = {});
Checkpoint load_checkpoint(const std::filesystem::path& path);

extern template void Checkpoint::put<float>(const std::string&, const spec::Dense<float>&);
extern template void Checkpoint::put<double>(const std::string&, const spec::Dense<double>&);
extern template void Checkpoint::put<std::int64_t>(const std::string&, const spec::Dense<std::int64_t>&);
extern template spec::Dense<float> Checkpoint::get<float>(const std::string&) const;
extern template spec::Dense<double> Checkpoint::get<double>(const std::string&) const;
extern template spec::Dense<std::int64_t> Checkpoint::get<std::int64_t>(const std::string&) const;

}  // namespace vt::rt
