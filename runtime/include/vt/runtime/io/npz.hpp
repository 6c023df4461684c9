#pragma once
// NumPy .npz archives: a zip file whose members are .npy files.
//
// Reading understands what numpy.savez (stored members) and
// numpy.savez_compressed (deflated members) write: the end-of-central-directory
// record, then the central directory, then each member's local header. Each
// member's sizes and CRC-32 are verified. Not supported (clear NpyError):
// zip64 archives (more than 65535 members or 4 GiB), multi-disk archives,
// encryption, compression methods other than stored (0) and deflate (8), and
// members whose names do not end in ".npy". numpy's savez marks local headers
// with a zip64 extra field even for small files; those are fine, since sizes
// are taken from the central directory.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vt/runtime/io/npy.hpp"

namespace vt::rt {

// (key, array) in archive order; key = member name without ".npy".
using NpzEntries = std::vector<std::pair<std::string, NpyArray>>;

NpzEntries read_npz(const std::string& path);

// Parses archive bytes; `name` prefixes error messages. Errors inside a member
// name it as "NAME[member.npy]: ...".
NpzEntries parse_npz(std::string_view bytes, std::string_view name);

// Encodes a zip of stored (uncompressed) members "<key>.npy", readable by
// numpy.load. Throws NpyError on an empty or duplicate key, on more than 65535
// members or anything above 4 GiB (zip64 is not written).
std::string encode_npz(const NpzEntries& arrays);

// Writes encode_npz(arrays) atomically, like write_npy.
void write_npz(const std::string& path, const NpzEntries& arrays);

}  // namespace vt::rt
