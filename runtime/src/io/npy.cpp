// NPY format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//
//   magic "\x93NUMPY", major, minor,
//   header length (u16 LE for 1.0, u32 LE for 2.0/3.0),
//   header: a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), }
//           padded with spaces and ending in '\n',
//   raw element data in C order.
#include "vt/runtime/io/npy.hpp"

#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "vt/runtime/io/atomic_file.hpp"

namespace vt::rt {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr std::size_t kPreludeV1 = 10;  // magic(6) + version(2) + u16 length
constexpr std::size_t kPreludeV2 = 12;  // magic(6) + version(2) + u32 length
constexpr std::size_t kAlign = 64;      // numpy's ARRAY_ALIGN
// numpy pads the header so the first axis could grow to this many digits
// in place (GROWTH_AXIS_MAX_DIGITS); copying it keeps our output identical.
constexpr std::size_t kGrowthDigits = 21;
// Largest element count we accept: far above any real file, and small enough
// that count * 8 bytes can never overflow.
constexpr std::int64_t kMaxElements = std::int64_t{1} << 48;

[[noreturn]] void fail(std::string_view name, const std::string& what) {
  throw NpyError(std::string(name) + ": " + what);
}

std::size_t item_size(NpyDType t) { return t == NpyDType::f32 ? 4 : 8; }

std::string shape_repr(const std::vector<std::int64_t>& shape) {
  // Python tuple repr: (), (3,), (2, 3).
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// Element count, or nullopt if it exceeds kMaxElements (or a dim is negative).
std::optional<std::int64_t> checked_numel(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0 || d > kMaxElements) return std::nullopt;
    // n <= 2^48 and d <= 2^48 could overflow int64, so test by division.
    if (d != 0 && n > kMaxElements / d) return std::nullopt;
    n *= d;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Little-endian loads and stores, byte by byte so host endianness is moot.
// ---------------------------------------------------------------------------
std::uint64_t load_le(const char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void store_le(std::string& out, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// ---------------------------------------------------------------------------
// Header dict parser: the subset of Python literal syntax numpy writes.
// ---------------------------------------------------------------------------
struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
};

class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view name) : s_(text), name_(name) {}

  Header parse() {
    Header h;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    expect('{');
    skip_ws();
    while (peek() != '}') {
      std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        mark_seen(seen_descr, key);
        h.descr = parse_descr();
      } else if (key == "fortran_order") {
        mark_seen(seen_fortran, key);
        h.fortran_order = parse_bool();
      } else if (key == "shape") {
        mark_seen(seen_shape, key);
        h.shape = parse_shape();
      } else {
        error("unexpected key '" + key + "'");
      }
      skip_ws();
      if (peek() != ',') break;  // otherwise the dict must close here
      ++pos_;
      skip_ws();
    }
    expect('}');
    // Only the space/newline padding may follow the dict.
    skip_ws();
    if (pos_ != s_.size()) error("unexpected text after the header dict");
    if (!seen_descr) error("missing key 'descr'");
    if (!seen_fortran) error("missing key 'fortran_order'");
    if (!seen_shape) error("missing key 'shape'");
    return h;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail(name_, "bad header: " + what + " (at offset " + std::to_string(pos_) + ")");
  }

  void mark_seen(bool& seen, const std::string& key) const {
    if (seen) error("duplicate key '" + key + "'");
    seen = true;
  }

  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                                s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }

  void expect(char c) {
    skip_ws();
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }

  std::string parse_string() {
    skip_ws();
    const char quote = peek();
    if (quote != '\'' && quote != '"') error("expected a quoted string");
    const std::size_t end = s_.find(quote, pos_ + 1);
    // numpy never writes escapes in these strings; refuse rather than misread.
    if (end == std::string_view::npos) error("unterminated string");
    std::string_view body = s_.substr(pos_ + 1, end - pos_ - 1);
    if (body.find('\\') != std::string_view::npos) error("escape sequences not supported");
    pos_ = end + 1;
    return std::string(body);
  }

  std::string parse_descr() {
    skip_ws();
    // Structured dtypes are written as a list of (name, type) tuples.
    if (peek() == '[') fail(name_, "structured dtypes not supported (expected <f4, <f8 or <i8)");
    return parse_string();
  }

  bool parse_bool() {
    skip_ws();
    if (s_.substr(pos_, 4) == "True") { pos_ += 4; return true; }
    if (s_.substr(pos_, 5) == "False") { pos_ += 5; return false; }
    error("expected True or False");
  }

  std::int64_t parse_dim() {
    skip_ws();
    if (peek() == '-') error("negative dimension");
    if (peek() < '0' || peek() > '9') error("expected a dimension");
    std::int64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      // Anything above 2^48 is rejected later anyway; stop before overflow.
      if (v > kMaxElements) fail(name_, "shape has more than 2^48 elements");
      v = v * 10 + (peek() - '0');
      ++pos_;
    }
    return v;
  }

  // A Python tuple: (), (3,), (2, 3) or (2, 3,). "(3)" is an int in Python,
  // not a tuple, and numpy rejects it, so we do too.
  std::vector<std::int64_t> parse_shape() {
    std::vector<std::int64_t> dims;
    expect('(');
    skip_ws();
    bool trailing_comma = false;
    while (peek() != ')') {
      dims.push_back(parse_dim());
      skip_ws();
      trailing_comma = peek() == ',';
      if (!trailing_comma) break;
      ++pos_;
      skip_ws();
    }
    expect(')');
    if (dims.size() == 1 && !trailing_comma) error("shape (n) is not a tuple; expected (n,)");
    return dims;
  }

  std::string_view s_;
  std::string_view name_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------
NpyDType dtype_from_descr(const std::string& descr, std::string_view name) {
  if (descr == "<f4") return NpyDType::f32;
  if (descr == "<f8") return NpyDType::f64;
  if (descr == "<i8") return NpyDType::i64;
  if (descr == ">f4" || descr == ">f8" || descr == ">i8")
    fail(name, "big-endian dtype '" + descr +
                   "' not supported (re-save as little-endian, e.g. a.astype('<" +
                   descr.substr(1) + "'))");
  fail(name, "dtype '" + descr + "' not supported (expected <f4, <f8 or <i8)");
}

// Splits off and checks the prelude; returns the header text and data bytes.
std::pair<std::string_view, std::string_view> split_npy(std::string_view bytes,
                                                        std::string_view name) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic)
    fail(name, "not an NPY file (bad magic)");
  if (bytes.size() < kPreludeV1) fail(name, "truncated header");
  const int major = static_cast<unsigned char>(bytes[6]);
  const int minor = static_cast<unsigned char>(bytes[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    fail(name, "unsupported NPY version " + std::to_string(major) + "." +
                   std::to_string(minor) + " (expected 1.0, 2.0 or 3.0)");
  const std::size_t prelude = major == 1 ? kPreludeV1 : kPreludeV2;
  if (bytes.size() < prelude) fail(name, "truncated header");
  const std::uint64_t header_len = load_le(bytes.data() + 8, prelude - 8);
  if (header_len > bytes.size() - prelude)
    fail(name, "header length " + std::to_string(header_len) + " exceeds file size " +
                   std::to_string(bytes.size()));
  return {bytes.substr(prelude, header_len), bytes.substr(prelude + header_len)};
}

void decode_data(NpyArray& a, std::string_view data) {
  const std::size_t n = data.size() / item_size(a.dtype);
  const char* p = data.data();
  switch (a.dtype) {
    case NpyDType::f32:
      a.values.resize(n);
      for (std::size_t i = 0; i < n; ++i)
        a.values[i] = std::bit_cast<float>(static_cast<std::uint32_t>(load_le(p + 4 * i, 4)));
      break;
    case NpyDType::f64:
      a.values.resize(n);
      for (std::size_t i = 0; i < n; ++i) a.values[i] = std::bit_cast<double>(load_le(p + 8 * i, 8));
      break;
    case NpyDType::i64:
      a.ints.resize(n);
      for (std::size_t i = 0; i < n; ++i) a.ints[i] = std::bit_cast<std::int64_t>(load_le(p + 8 * i, 8));
      break;
  }
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------
void check_encodable(const NpyArray& a, std::string_view name) {
  const auto n = checked_numel(a.shape);
  if (!n) fail(name, "shape " + shape_repr(a.shape) + " has a negative dimension or more than 2^48 elements");
  const bool is_int = a.dtype == NpyDType::i64;
  const std::size_t have = is_int ? a.ints.size() : a.values.size();
  const std::size_t other = is_int ? a.values.size() : a.ints.size();
  if (have != static_cast<std::size_t>(*n))
    fail(name, "shape " + shape_repr(a.shape) + " needs " + std::to_string(*n) + " elements, got " +
                   std::to_string(have) + (is_int ? " ints" : " values"));
  if (other != 0)
    fail(name, std::string("dtype ") + std::string(npy_descr(a.dtype)) + " must leave `" +
                   (is_int ? "values" : "ints") + "` empty");
}

// Mirrors numpy.lib.format._write_array_header + _wrap_header, byte for byte.
std::string encode_prelude(const NpyArray& a) {
  std::string dict = "{'descr': '" + std::string(npy_descr(a.dtype)) +
                     "', 'fortran_order': False, 'shape': " + shape_repr(a.shape) + ", }";
  if (!a.shape.empty()) {
    const std::size_t digits = std::to_string(a.shape[0]).size();
    dict.append(kGrowthDigits > digits ? kGrowthDigits - digits : 0, ' ');
  }
  const std::size_t text_len = dict.size() + 1;  // + '\n'
  // numpy adds a full 64 bytes when already aligned; copy that too.
  auto pad_for = [&](std::size_t prelude) { return kAlign - (prelude + text_len) % kAlign; };
  // numpy picks 1.0 unless the padded header overflows its u16 length field.
  const bool v1 = text_len + pad_for(kPreludeV1) <= 0xFFFF;
  const std::size_t prelude = v1 ? kPreludeV1 : kPreludeV2;
  const std::size_t pad = pad_for(prelude);
  std::string out(kMagic);
  out += static_cast<char>(v1 ? 1 : 2);
  out += '\0';
  store_le(out, text_len + pad, prelude - 8);
  out += dict;
  out.append(pad, ' ');
  out += '\n';
  return out;
}

void encode_data(std::string& out, const NpyArray& a) {
  switch (a.dtype) {
    case NpyDType::f32:
      // Narrowing is documented as the caller's business (round to nearest).
      for (double v : a.values) store_le(out, std::bit_cast<std::uint32_t>(static_cast<float>(v)), 4);
      break;
    case NpyDType::f64:
      for (double v : a.values) store_le(out, std::bit_cast<std::uint64_t>(v), 8);
      break;
    case NpyDType::i64:
      for (std::int64_t v : a.ints) store_le(out, static_cast<std::uint64_t>(v), 8);
      break;
  }
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------
std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------
std::string_view npy_descr(NpyDType t) {
  switch (t) {
    case NpyDType::f32: return "<f4";
    case NpyDType::f64: return "<f8";
    case NpyDType::i64: return "<i8";
  }
  return "?";
}

std::int64_t NpyArray::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

NpyArray parse_npy(std::string_view bytes, std::string_view name) {
  const auto [header_text, data] = split_npy(bytes, name);
  const Header h = HeaderParser(header_text, name).parse();
  NpyArray a;
  a.dtype = dtype_from_descr(h.descr, name);
  if (h.fortran_order) fail(name, "Fortran order not supported");
  const auto n = checked_numel(h.shape);
  if (!n) fail(name, "shape " + shape_repr(h.shape) + " has more than 2^48 elements");
  a.shape = h.shape;
  // Compare declared against present before allocating anything.
  const std::uint64_t want = static_cast<std::uint64_t>(*n) * item_size(a.dtype);
  if (data.size() < want)
    fail(name, "truncated data: expected " + std::to_string(want) + " bytes, found " +
                   std::to_string(data.size()));
  if (data.size() > want)
    fail(name, std::to_string(data.size() - want) + " bytes of trailing garbage after the data");
  decode_data(a, data);
  return a;
}

NpyArray read_npy(const std::string& path) {
  return parse_npy(detail::read_file_bytes(path), path);
}

std::string encode_npy(const NpyArray& a) { return detail::encode_npy_named(a, "encode_npy"); }

void write_npy(const std::string& path, const NpyArray& a) {
  detail::write_file_atomically(path, detail::encode_npy_named(a, path));
}

namespace detail {

std::string encode_npy_named(const NpyArray& a, std::string_view name) {
  check_encodable(a, name);
  std::string out = encode_prelude(a);
  out.reserve(out.size() + static_cast<std::size_t>(a.numel()) * item_size(a.dtype));
  encode_data(out, a);
  return out;
}

std::string read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open: " + errno_text(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) fail(path, "read failed");
  return std::move(buf).str();
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  try {
    write_file_atomic(path, bytes);
  } catch (const FileError& e) {
    throw NpyError(e.what());
  }
}

}  // namespace detail
}  // namespace vt::rt
