#include "json_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vt::cli {

namespace {

// "line L, column C" of a byte offset (1-based; nlohmann's byte counts from 1).
std::string line_col(const std::string& text, std::size_t byte) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') ++line, col = 1;
    else ++col;
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

// nlohmann's message without its "[json.exception.parse_error.101] parse
// error at line L, column C: " prefix (the place is printed our way).
std::string reason(const std::string& what) {
  const auto at = what.find(": ", what.find("parse error"));
  return at == std::string::npos ? what : what.substr(at + 2);
}

}  // namespace

nlohmann::json read_json_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw std::runtime_error(path + ": cannot open: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxJsonBytes) throw std::runtime_error(path + ": file is larger than the 64 MiB limit");
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(path + ":" + line_col(text, e.byte) + ": invalid JSON: " + reason(e.what()));
  }
}

}  // namespace vt::cli
