#pragma once
// Reading a JSON file for the CLI: a size limit before anything is read into
// memory, and syntax errors that name FILE:LINE:COL.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace vt::cli {

// The same limit as .vtg files: JSON inputs and graphs are small, and a
// larger file would be parsed whole into memory.
inline constexpr std::uintmax_t kMaxJsonBytes = std::uintmax_t{64} << 20;

// Throws std::runtime_error "FILE: cannot open: ...", "FILE: file is larger
// than the 64 MiB limit", or "FILE:LINE:COL: invalid JSON: <what is wrong>".
nlohmann::json read_json_file(const std::string& path);

}  // namespace vt::cli
