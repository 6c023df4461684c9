// Checkpoint files: see docs/checkpoint-format.md for every byte.
//
//   magic "\x89VTC\r\n\x1a\n" | u32 version | u32 flags (0) | u64 tensor count |
//   u64 meta length | meta JSON |
//   per tensor: u32 name length | name | u32 dtype code | u32 rank | i64 dims[rank] |
//               u64 byte length | data |
//   u64 file length | u32 CRC-32 of every byte before it
//
// Writing streams through an AtomicFileWriter (64 KiB chunks into
// `<path>.tmp-<pid>-<seq>`, see atomic_file.hpp), computing the CRC on the
// way; reading streams too, checking every length against the bytes left in
// the file before allocating anything.
#include "vt/runtime/io/checkpoint.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <utility>

namespace vt::rt {
namespace {

namespace fs = std::filesystem;

constexpr std::array<unsigned char, 8> kMagic = {0x89, 'V', 'T', 'C', '\r', '\n', 0x1a, '\n'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kReadBuffer = 1 << 20;  // read(2) granularity when loading
constexpr std::size_t kTrailerSize = 12;      // u64 file length + u32 CRC-32
constexpr int kMaxMetaDepth = 512;            // nesting limit for metadata JSON

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------
std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

std::string qpath(const fs::path& p) { return "'" + p.string() + "'"; }

// A name read from a file, for messages: quoted, control bytes as \xNN, cut
// after 80 bytes.
std::string shown(const std::string& name) {
  std::string s = "'";
  for (std::size_t i = 0; i < name.size() && i < 80; ++i) {
    const auto ch = static_cast<unsigned char>(name[i]);
    if (ch < 0x20 || ch == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      s += buf;
    } else {
      s += static_cast<char>(ch);
    }
  }
  if (name.size() > 80) s += "...";
  return s + "'";
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
  return buf;
}

std::uint32_t crc_update(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  return static_cast<std::uint32_t>(::crc32_z(crc, p, n));
}

std::uint32_t dtype_code(spec::DType t) {
  switch (t) {
    case spec::DType::f32: return 1;
    case spec::DType::f64: return 2;
    case spec::DType::i64: return 3;
  }
  return 0;
}

std::optional<spec::DType> dtype_from_code(std::uint32_t c) {
  switch (c) {
    case 1: return spec::DType::f32;
    case 2: return spec::DType::f64;
    case 3: return spec::DType::i64;
    default: return std::nullopt;
  }
}

template <class S>
constexpr spec::DType dtype_of() {
  if constexpr (std::is_same_v<S, float>) return spec::DType::f32;
  else if constexpr (std::is_same_v<S, double>) return spec::DType::f64;
  else return spec::DType::i64;
}

template <class U>
void put_le(unsigned char* out, U v) {
  using T = std::make_unsigned_t<U>;
  const auto u = static_cast<T>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<unsigned char>(u >> (8 * i));
}

template <class U>
U get_le(const unsigned char* in) {
  using T = std::make_unsigned_t<U>;
  T u = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) u = static_cast<T>(u | (static_cast<T>(in[i]) << (8 * i)));
  return static_cast<U>(u);
}

// Element count of `dims`, or nullopt when a dim is negative or the count
// exceeds spec::kMaxNumel (checked without overflow).
std::optional<std::int64_t> checked_numel(const std::vector<std::int64_t>& dims) {
  std::int64_t n = 1;
  for (std::int64_t d : dims) {
    if (d < 0 || d > spec::kMaxNumel) return std::nullopt;
    if (d != 0 && n > spec::kMaxNumel / d) return std::nullopt;
    n *= d;
  }
  return n;
}

// Deepest nesting of arrays/objects in JSON text (strings skipped), stopping
// early once it exceeds `limit`.
int json_depth(std::string_view s, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '[' || ch == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (ch == ']' || ch == '}') --depth;
  }
  return deepest;
}

// Raw little-endian bytes of `data` (element type S).
template <class S>
std::vector<std::byte> to_le_bytes(const std::vector<S>& data) {
  std::vector<std::byte> out(data.size() * sizeof(S));
  if constexpr (std::endian::native == std::endian::little) {
    if (!data.empty()) std::memcpy(out.data(), data.data(), out.size());
  } else {
    using U = std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>;
    for (std::size_t i = 0; i < data.size(); ++i)
      put_le(reinterpret_cast<unsigned char*>(out.data()) + i * sizeof(S), std::bit_cast<U>(data[i]));
  }
  return out;
}

template <class S>
std::vector<S> from_le_bytes(const std::vector<std::byte>& bytes) {
  std::vector<S> out(bytes.size() / sizeof(S));
  if constexpr (std::endian::native == std::endian::little) {
    if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(S));
  } else {
    using U = std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>;
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = std::bit_cast<S>(get_le<U>(reinterpret_cast<const unsigned char*>(bytes.data()) + i * sizeof(S)));
  }
  return out;
}

// Throws unless `r` is self-consistent (used before writing).
void validate_record(const TensorRecord& r) {
  if (r.name.empty()) throw CheckpointError("checkpoint tensor with an empty name");
  if (r.name.size() > std::numeric_limits<std::uint32_t>::max())
    throw CheckpointError("checkpoint tensor name too long");
  if (dtype_code(r.dtype) == 0) throw CheckpointError("checkpoint tensor '" + r.name + "' has an invalid dtype");
  const auto n = checked_numel(r.shape.dims());
  if (!n) throw CheckpointError("checkpoint tensor '" + r.name + "' has an invalid shape " + spec::to_string(r.shape));
  const auto want = static_cast<std::uint64_t>(*n) * spec::size_of(r.dtype);
  if (r.bytes.size() != want)
    throw CheckpointError("checkpoint tensor '" + r.name + "' of shape " + spec::to_string(r.shape) + " and dtype " +
                          std::string(spec::to_string(r.dtype)) + " holds " + std::to_string(r.bytes.size()) +
                          " bytes, expected " + std::to_string(want));
}

// Closes a file descriptor on every exit.
class FdGuard {
 public:
  explicit FdGuard(int fd = -1) : fd_(fd) {}
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------
// Feeds an AtomicFileWriter, computing the CRC-32 of everything appended.
class ChunkWriter {
 public:
  explicit ChunkWriter(AtomicFileWriter& out) : out_(out) {}

  void append(const unsigned char* p, std::size_t n) {
    if (n == 0) return;  // p may be null (an empty tensor), and crc32_z(crc, NULL, 0) restarts the CRC
    crc_ = crc_update(crc_, p, n);
    out_.write(std::string_view(reinterpret_cast<const char*>(p), n));
  }
  template <class U>
  void append_int(U v) {
    unsigned char b[sizeof(U)];
    put_le(b, v);
    append(b, sizeof b);
  }

  // Writes the buffered bytes as one chunk (a chunk boundary here) and calls the probe.
  void flush() { out_.flush_chunk(); }
  std::size_t written() const { return out_.bytes_written(); }
  // CRC of everything appended so far.
  std::uint32_t crc() const { return crc_; }

 private:
  AtomicFileWriter& out_;
  std::uint32_t crc_ = static_cast<std::uint32_t>(::crc32_z(0, nullptr, 0));
};

std::uint64_t file_size_of(const Checkpoint& c, const std::string& meta) {
  std::uint64_t n = 8 + 4 + 4 + 8 + 8 + meta.size();
  for (const auto& r : c.tensors) n += 4 + r.name.size() + 4 + 4 + 8 * r.shape.rank() + 8 + r.bytes.size();
  return n + kTrailerSize;
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------
// A structural problem found while parsing; load_checkpoint may replace it by
// a checksum error when the file's trailer shows the file is complete.
struct Structural : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  Reader(int fd, std::uint64_t size) : fd_(fd), size_(size), buf_(static_cast<std::size_t>(std::min<std::uint64_t>(size, kReadBuffer))) {}

  std::uint64_t offset() const { return off_; }
  std::uint64_t remaining() const { return size_ - off_; }
  std::uint32_t crc() const { return crc_; }

  void need(std::uint64_t n, const std::string& what) const {
    if (n > remaining())
      throw Structural("truncated at byte " + std::to_string(size_) + " while reading " + what + " at byte " +
                       std::to_string(off_) + " (expected " + std::to_string(n) + " bytes, " +
                       std::to_string(remaining()) + " left)");
  }

  void read(unsigned char* dst, std::size_t n, const std::string& what) {
    need(n, what);
    while (n > 0) {
      if (pos_ == len_) refill(what, n);
      const std::size_t k = std::min(n, len_ - pos_);
      std::memcpy(dst, buf_.data() + pos_, k);
      crc_ = crc_update(crc_, dst, k);
      pos_ += k;
      off_ += k;
      dst += k;
      n -= k;
    }
  }

  template <class U>
  U read_int(const std::string& what) {
    unsigned char b[sizeof(U)];
    read(b, sizeof b, what);
    return get_le<U>(b);
  }

 private:
  void refill(const std::string& what, std::size_t wanted) {
    for (;;) {
      const ssize_t r = ::read(fd_, buf_.data(), buf_.size());
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        const int e = errno;
        throw CheckpointError("read error at byte " + std::to_string(off_) + ": " + errno_text(e));
      }
      if (r == 0)  // the file shrank while we read it
        throw Structural("truncated at byte " + std::to_string(off_) + " while reading " + what + " (expected " +
                         std::to_string(wanted) + " more bytes)");
      pos_ = 0;
      len_ = static_cast<std::size_t>(r);
      return;
    }
  }

  int fd_;
  std::uint64_t size_;
  std::uint64_t off_ = 0;
  std::uint32_t crc_ = static_cast<std::uint32_t>(::crc32_z(0, nullptr, 0));
  std::vector<unsigned char> buf_;
  std::size_t pos_ = 0, len_ = 0;
};

// Reads exactly n bytes at `at` with pread; false on short read or error.
bool pread_all(int fd, unsigned char* dst, std::size_t n, std::uint64_t at) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, dst, n, static_cast<off_t>(at));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    dst += r;
    n -= static_cast<std::size_t>(r);
    at += static_cast<std::uint64_t>(r);
  }
  return true;
}

// When the last 12 bytes form a trailer that claims exactly this file size,
// the file was written completely: a parse failure then means its bytes were
// damaged, and the checksum says so. Returns that message, if any.
std::optional<std::string> checksum_diagnosis(int fd, std::uint64_t size) {
  if (size < 8 + 4 + kTrailerSize) return std::nullopt;
  unsigned char t[kTrailerSize];
  if (!pread_all(fd, t, kTrailerSize, size - kTrailerSize)) return std::nullopt;
  if (get_le<std::uint64_t>(t) != size) return std::nullopt;
  const auto stored = get_le<std::uint32_t>(t + 8);
  std::uint32_t crc = static_cast<std::uint32_t>(::crc32_z(0, nullptr, 0));
  std::vector<unsigned char> buf(static_cast<std::size_t>(std::min<std::uint64_t>(size, kReadBuffer)));
  for (std::uint64_t at = 0, end = size - 4; at < end;) {
    const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), end - at));
    if (!pread_all(fd, buf.data(), k, at)) return std::nullopt;
    crc = crc_update(crc, buf.data(), k);
    at += k;
  }
  if (crc == stored) return std::nullopt;
  return "corrupted: checksum mismatch (stored " + hex32(stored) + ", computed " + hex32(crc) + ")";
}

Checkpoint parse(Reader& in, std::uint64_t size) {
  Checkpoint c;
  const auto flags = in.read_int<std::uint32_t>("the header flags");
  if (flags != 0) throw Structural("unsupported header flags " + hex32(flags) + " (version 1 requires 0)");
  const auto count = in.read_int<std::uint64_t>("the tensor count");
  const auto meta_len = in.read_int<std::uint64_t>("the metadata length");
  in.need(meta_len, "the metadata JSON");
  std::string meta(static_cast<std::size_t>(meta_len), '\0');
  in.read(reinterpret_cast<unsigned char*>(meta.data()), meta.size(), "the metadata JSON");
  if (json_depth(meta, kMaxMetaDepth) > kMaxMetaDepth)
    throw Structural("metadata JSON nested deeper than " + std::to_string(kMaxMetaDepth) + " levels");
  c.meta = nlohmann::json::parse(meta, nullptr, /*allow_exceptions=*/false);
  if (c.meta.is_discarded()) throw Structural("metadata is not valid JSON");

  // Each record takes at least 21 bytes (name length, dtype, rank, byte length
  // and a one-byte name), so `count` can be checked against the file.
  constexpr std::uint64_t kMinRecord = 4 + 1 + 4 + 4 + 8;
  if (count > in.remaining() / kMinRecord)
    throw Structural("truncated at byte " + std::to_string(size) + " while reading the tensor records: the header "
                     "claims " + std::to_string(count) + " record(s) of at least 21 bytes each but only " +
                     std::to_string(in.remaining()) + " bytes follow");
  std::unordered_set<std::string> seen;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string which = "tensor #" + std::to_string(i);
    const auto name_len = in.read_int<std::uint32_t>(which + " name length");
    if (name_len == 0) throw Structural(which + " at byte " + std::to_string(in.offset() - 4) + " has an empty name");
    TensorRecord r;
    in.need(name_len, which + " name");
    r.name.resize(name_len);
    in.read(reinterpret_cast<unsigned char*>(r.name.data()), name_len, which + " name");
    const std::string tn = "tensor " + shown(r.name);
    if (!seen.insert(r.name).second) throw Structural("duplicate tensor name " + shown(r.name));
    const auto code_at = in.offset();
    const auto code = in.read_int<std::uint32_t>(tn + " dtype");
    const auto dt = dtype_from_code(code);
    if (!dt)
      throw Structural("bad dtype code " + std::to_string(code) + " for " + tn + " at byte " + std::to_string(code_at) +
                       " (expected 1 f32, 2 f64 or 3 i64)");
    r.dtype = *dt;
    const auto rank = in.read_int<std::uint32_t>(tn + " rank");
    in.need(std::uint64_t{8} * rank, tn + " dims");
    std::vector<std::int64_t> dims(rank);
    for (auto& d : dims) d = in.read_int<std::int64_t>(tn + " dims");
    const auto n = checked_numel(dims);
    if (!n)
      throw Structural("absurd shape " + spec::to_string(spec::Shape(dims)) + " for " + tn +
                       " (negative dim or more than 2^48 elements)");
    r.shape = spec::Shape(std::move(dims));
    const auto len_at = in.offset();
    const auto len = in.read_int<std::uint64_t>(tn + " byte length");
    const auto want = static_cast<std::uint64_t>(*n) * spec::size_of(r.dtype);
    if (len != want)
      throw Structural(tn + " byte length " + std::to_string(len) + " at byte " + std::to_string(len_at) +
                       " does not match its shape " + spec::to_string(r.shape) + " of " +
                       std::string(spec::to_string(r.dtype)) + " (expected " + std::to_string(want) + ")");
    in.need(len, tn + " data");
    r.bytes.resize(static_cast<std::size_t>(len));
    in.read(reinterpret_cast<unsigned char*>(r.bytes.data()), r.bytes.size(), tn + " data");
    c.tensors.push_back(std::move(r));
  }

  const auto end = in.offset();
  const auto stored_len = in.read_int<std::uint64_t>("the trailer (file length)");
  const auto crc = in.crc();
  const auto stored_crc = in.read_int<std::uint32_t>("the trailer (checksum)");
  if (in.remaining() > 0) {
    if (stored_len == end + kTrailerSize && stored_crc == crc)
      throw CheckpointError("trailing garbage: " + std::to_string(in.remaining()) +
                            " bytes after the end of the checkpoint at byte " + std::to_string(in.offset()));
    throw Structural("expected the trailer and end of file at byte " + std::to_string(end) + ", but " +
                     std::to_string(in.remaining() + kTrailerSize) + " bytes remain");
  }
  if (stored_crc != crc)
    throw CheckpointError("corrupted: checksum mismatch (stored " + hex32(stored_crc) + ", computed " + hex32(crc) + ")");
  if (stored_len != size)
    throw CheckpointError("corrupted: the trailer records a file length of " + std::to_string(stored_len) +
                          " bytes but the file has " + std::to_string(size));
  return c;
}

}  // namespace

// ---------------------------------------------------------------------------
// Checkpoint
// ---------------------------------------------------------------------------
template <class S>
void Checkpoint::put(const std::string& name, const spec::Dense<S>& t) {
  static_assert(std::is_same_v<S, float> || std::is_same_v<S, double> || std::is_same_v<S, std::int64_t>);
  if (name.empty()) throw CheckpointError("Checkpoint::put: empty tensor name");
  const auto n = checked_numel(t.shape.dims());
  if (!n) throw CheckpointError("Checkpoint::put('" + name + "'): invalid shape " + spec::to_string(t.shape));
  if (static_cast<std::uint64_t>(*n) != t.data.size())
    throw CheckpointError("Checkpoint::put('" + name + "'): shape " + spec::to_string(t.shape) + " has " +
                          std::to_string(*n) + " elements but the data has " + std::to_string(t.data.size()));
  TensorRecord r{name, dtype_of<S>(), t.shape, to_le_bytes(t.data)};
  for (auto& old : tensors)
    if (old.name == name) {
      old = std::move(r);
      return;
    }
  tensors.push_back(std::move(r));
}

template <class S>
spec::Dense<S> Checkpoint::get(const std::string& name) const {
  const TensorRecord& r = record(name);
  constexpr spec::DType want = dtype_of<S>();
  if (r.dtype != want)
    throw CheckpointError("checkpoint tensor '" + name + "' is stored as " + std::string(spec::to_string(r.dtype)) +
                          " but was requested as " + std::string(spec::to_string(want)));
  validate_record(r);
  return spec::Dense<S>{r.shape, from_le_bytes<S>(r.bytes)};
}

bool Checkpoint::has(const std::string& name) const {
  return std::any_of(tensors.begin(), tensors.end(), [&](const TensorRecord& r) { return r.name == name; });
}

const TensorRecord& Checkpoint::record(const std::string& name) const {
  for (const auto& r : tensors)
    if (r.name == name) return r;
  std::string names;
  for (const auto& r : tensors) names += (names.empty() ? "" : ", ") + r.name;
  throw CheckpointError("checkpoint has no tensor '" + name + "' (it has: " + (names.empty() ? "none" : names) + ")");
}

template void Checkpoint::put<float>(const std::string&, const spec::Dense<float>&);
template void Checkpoint::put<double>(const std::string&, const spec::Dense<double>&);
template void Checkpoint::put<std::int64_t>(const std::string&, const spec::Dense<std::int64_t>&);
template spec::Dense<float> Checkpoint::get<float>(const std::string&) const;
template spec::Dense<double> Checkpoint::get<double>(const std::string&) const;
template spec::Dense<std::int64_t> Checkpoint::get<std::int64_t>(const std::string&) const;

// ---------------------------------------------------------------------------
// save / load
// ---------------------------------------------------------------------------
void save_checkpoint(const std::filesystem::path& path, const Checkpoint& c, const WriteProbe& probe) {
  if (path.empty() || !path.has_filename()) throw CheckpointError("save_checkpoint: invalid path " + qpath(path));
  std::unordered_set<std::string> seen;
  for (const auto& r : c.tensors) {
    validate_record(r);
    if (!seen.insert(r.name).second) throw CheckpointError("save_checkpoint: duplicate tensor name '" + r.name + "'");
  }
  std::string meta;
  try {
    meta = c.meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("save_checkpoint " + qpath(path) + ": metadata cannot be encoded: " + e.what());
  }

  try {
    AtomicFileWriter out(path, probe);
    ChunkWriter w(out);
    w.append(kMagic.data(), kMagic.size());
    w.append_int<std::uint32_t>(kVersion);
    w.append_int<std::uint32_t>(0);  // flags
    w.append_int<std::uint64_t>(c.tensors.size());
    w.append_int<std::uint64_t>(meta.size());
    w.append(reinterpret_cast<const unsigned char*>(meta.data()), meta.size());
    for (const auto& r : c.tensors) {
      w.append_int<std::uint32_t>(static_cast<std::uint32_t>(r.name.size()));
      w.append(reinterpret_cast<const unsigned char*>(r.name.data()), r.name.size());
      w.append_int<std::uint32_t>(dtype_code(r.dtype));
      w.append_int<std::uint32_t>(static_cast<std::uint32_t>(r.shape.rank()));
      for (auto d : r.shape.dims()) w.append_int<std::int64_t>(d);
      w.append_int<std::uint64_t>(r.bytes.size());
      // A chunk boundary falls strictly inside every tensor's data of 2+ bytes.
      const auto* data = reinterpret_cast<const unsigned char*>(r.bytes.data());
      const std::size_t half = r.bytes.size() / 2;
      w.append(data, half);
      w.flush();
      w.append(data + half, r.bytes.size() - half);
    }
    const std::uint64_t total = file_size_of(c, meta);
    w.append_int<std::uint64_t>(total);
    w.append_int<std::uint32_t>(w.crc());
    w.flush();
    if (w.written() != total)  // a bug in file_size_of, never bad input
      throw CheckpointError("save_checkpoint " + qpath(path) + ": internal error: wrote " +
                            std::to_string(w.written()) + " bytes, expected " + std::to_string(total));
    out.commit();  // fsync, close, rename, fsync the folder
  } catch (const FileError& e) {
    // "save_checkpoint 'run/c.vtck': cannot create temp file 'run/c.vtck.tmp-4242-0': No such file or directory"
    throw CheckpointError("save_checkpoint " + qpath(path) + ": " +
                          (e.error() != 0 ? e.action() + ": " + errno_text(e.error()) : std::string(e.what())));
  }
  remove_stale_temp_files(path);
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
  const std::string where = qpath(path) + ": ";
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int e = errno;
    throw CheckpointError(where + "cannot open checkpoint: " + errno_text(e));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int e = errno;
    throw CheckpointError(where + "cannot stat checkpoint: " + errno_text(e));
  }
  if (!S_ISREG(st.st_mode)) throw CheckpointError(where + "not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);

  Reader in(fd.get(), size);
  try {
    unsigned char magic[8] = {};
    const auto head = static_cast<std::size_t>(std::min<std::uint64_t>(size, 8));
    in.read(magic, head, "the magic");
    if (!std::equal(magic, magic + head, kMagic.begin()))
      throw CheckpointError(where + "not a veritape checkpoint (bad magic bytes)");
    if (head < 8) in.read(magic + head, 8 - head, "the magic");  // throws: truncated
    const auto version = in.read_int<std::uint32_t>("the format version");
    if (version != kVersion)
      throw CheckpointError(where + "unsupported checkpoint format version " + std::to_string(version) +
                            " (this build reads version " + std::to_string(kVersion) + ")");
    return parse(in, size);
  } catch (const Structural& s) {
    if (auto bad = checksum_diagnosis(fd.get(), size)) throw CheckpointError(where + *bad + "; " + s.what());
    throw CheckpointError(where + s.what());
  } catch (const CheckpointError& e) {
    const std::string msg = e.what();
    if (msg.compare(0, where.size(), where) == 0) throw;
    throw CheckpointError(where + msg);
  }
}

}  // namespace vt::rt
