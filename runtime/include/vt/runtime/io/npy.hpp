#pragma once
// NumPy .npy file I/O: read, parse, encode and atomically write single arrays.
//
// Supported on read: format versions 1.0, 2.0 and 3.0; dtypes '<f4', '<f8',
// '<i8'; C order only. Everything else (other dtypes, big-endian, Fortran
// order, malformed headers, truncated or trailing data) throws NpyError whose
// message starts with the file (or member) name: "x.npy: what went wrong".
//
// Written files are byte-identical to what numpy.save produces for the same
// array (version 1.0 header, data aligned to 64 bytes; 2.0 only if the header
// does not fit 1.0, as numpy does).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vt::rt {

enum class NpyDType { f32, f64, i64 };

// "<f4", "<f8" or "<i8": the descr numpy writes for each dtype.
std::string_view npy_descr(NpyDType t);

// One array in C (row-major) order.
//
// Floats live in `values` as doubles: f32 data is widened exactly on read, and
// narrowed with a plain static_cast<float> (round to nearest) on write. That
// narrowing is the caller's business: values not representable as float are
// rounded silently, as numpy's astype(np.float32) would.
struct NpyArray {
  NpyDType dtype = NpyDType::f64;
  std::vector<std::int64_t> shape;   // () is a scalar with one element
  std::vector<double> values;        // f32/f64 data (empty for i64)
  std::vector<std::int64_t> ints;    // i64 data (empty for floats)

  // Product of `shape` (1 for a scalar). Meaningful for valid shapes only:
  // parse_npy never yields one above 2^48; encode_npy checks it.
  std::int64_t numel() const;
};

// Every failure of this module: "FILE: what", FILE being the path or name.
class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and parses a whole .npy file.
NpyArray read_npy(const std::string& path);

// Parses .npy bytes; `name` only prefixes error messages.
NpyArray parse_npy(std::string_view bytes, std::string_view name);

// Encodes as numpy.save would. Throws NpyError if the element vector that
// matches the dtype does not hold exactly numel() elements, the other one is
// not empty, or a dimension is negative.
std::string encode_npy(const NpyArray& a);

// Writes encode_npy(a) atomically: temp file in the same directory, fsync,
// rename over `path`. On failure `path` is untouched and the temp file removed.
void write_npy(const std::string& path, const NpyArray& a);

namespace detail {
// Shared with npz.cpp. Both throw NpyError("PATH: ...").
std::string read_file_bytes(const std::string& path);
void write_file_atomically(const std::string& path, std::string_view bytes);
// encode_npy with `name` as the prefix of error messages.
std::string encode_npy_named(const NpyArray& a, std::string_view name);
}  // namespace detail

}  // namespace vt::rt
