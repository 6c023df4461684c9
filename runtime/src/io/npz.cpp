// NPZ = zip archive of .npy members. Zip layout (APPNOTE.TXT, PKWARE):
//
//   [local header 30 B + name + extra][member data] ...   one per member
//   [central directory entry 46 B + name + extra + comment] ...
//   [end of central directory (EOCD) 22 B + comment]
//
// Reading trusts the central directory (as unzip and Python's zipfile do):
// numpy.savez writes local headers with sizes 0xFFFFFFFF plus a zip64 extra
// field (it forces zip64 in the stream API), while the central directory holds
// the real 32-bit sizes.
#include "vt/runtime/io/npz.hpp"

#include <zlib.h>

#include <cstdint>
#include <set>

namespace vt::rt {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kEocdSig = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kLocalSize = 30;
constexpr std::size_t kCentralSize = 46;
constexpr std::size_t kEocdSize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::uint16_t kMethodStored = 0;
constexpr std::uint16_t kMethodDeflate = 8;
constexpr std::uint16_t kVersion20 = 20;  // "2.0": deflate, directories
// Deflate cannot expand data by more than about 1032:1 (max match 258 bytes
// per ~2 bits); a larger declared size is a lie, so never allocate it.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::string_view kNpySuffix = ".npy";

[[noreturn]] void fail(std::string_view name, const std::string& what) {
  throw NpyError(std::string(name) + ": " + what);
}

std::uint32_t u16(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at]) |
                                    (static_cast<unsigned char>(b[at + 1]) << 8));
}
std::uint32_t u32(std::string_view b, std::size_t at) { return u16(b, at) | (u16(b, at + 2) << 16); }

void put16(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}

std::uint32_t crc_of(std::string_view data) {
  return static_cast<std::uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------
struct Eocd {
  std::size_t pos;        // where the record starts
  std::size_t entries;
  std::size_t cd_offset;
  std::size_t cd_size;
};

struct Member {
  std::string name;
  std::uint16_t method;
  std::uint32_t crc;
  std::size_t comp_size;
  std::size_t size;
  std::size_t local_offset;
};

// Scans backwards, since a trailing archive comment of up to 64 KiB may follow.
std::size_t find_eocd(std::string_view z, std::string_view name) {
  if (z.size() >= kEocdSize) {
    const std::size_t last = z.size() - kEocdSize;
    const std::size_t first = last > 0xFFFF ? last - 0xFFFF : 0;
    for (std::size_t p = last + 1; p-- > first;) {
      if (u32(z, p) == kEocdSig && p + kEocdSize + u16(z, p + 20) == z.size()) return p;
    }
  }
  fail(name, "not a zip archive (no end-of-central-directory record)");
}

Eocd read_eocd(std::string_view z, std::string_view name) {
  const std::size_t p = find_eocd(z, name);
  const std::uint32_t disk = u16(z, p + 4), cd_disk = u16(z, p + 6);
  const std::uint32_t on_disk = u16(z, p + 8), total = u16(z, p + 10);
  const std::uint32_t cd_size = u32(z, p + 12), cd_offset = u32(z, p + 16);
  const bool locator = p >= kZip64LocatorSize && u32(z, p - kZip64LocatorSize) == kZip64LocatorSig;
  if (locator || total == 0xFFFF || on_disk == 0xFFFF || cd_size == 0xFFFFFFFF ||
      cd_offset == 0xFFFFFFFF)
    fail(name, "zip64 archives not supported");
  if (disk != 0 || cd_disk != 0 || on_disk != total) fail(name, "multi-disk zip archives not supported");
  if (std::uint64_t{cd_offset} + cd_size > p) fail(name, "central directory lies outside the archive");
  return {p, total, cd_offset, cd_size};
}

// Parses one central directory entry at `at`; returns the offset of the next.
std::size_t read_central_entry(std::string_view cd, std::size_t at, std::string_view name,
                               Member& m) {
  if (cd.size() - at < kCentralSize || u32(cd, at) != kCentralSig)
    fail(name, "corrupt central directory entry at offset " + std::to_string(at));
  const std::uint32_t flags = u16(cd, at + 8);
  const std::size_t name_len = u16(cd, at + 28);
  const std::size_t var_len = name_len + u16(cd, at + 30) + u16(cd, at + 32);
  if (cd.size() - at - kCentralSize < var_len)
    fail(name, "corrupt central directory entry at offset " + std::to_string(at));
  m.name = std::string(cd.substr(at + kCentralSize, name_len));
  m.method = static_cast<std::uint16_t>(u16(cd, at + 10));
  m.crc = u32(cd, at + 16);
  const std::uint32_t comp = u32(cd, at + 20), size = u32(cd, at + 24), off = u32(cd, at + 42);
  if (comp == 0xFFFFFFFF || size == 0xFFFFFFFF || off == 0xFFFFFFFF)
    fail(name, "member '" + m.name + "': zip64 archives not supported");
  if (flags & 0x41) fail(name, "member '" + m.name + "': encrypted members not supported");
  m.comp_size = comp;
  m.size = size;
  m.local_offset = off;
  return at + kCentralSize + var_len;
}

// Locates a member's data via its local header; checks it ends before `limit`.
std::string_view member_data(std::string_view z, const Member& m, std::size_t limit,
                             std::string_view name) {
  const std::string where = "member '" + m.name + "': ";
  if (m.local_offset > limit || limit - m.local_offset < kLocalSize ||
      u32(z, m.local_offset) != kLocalSig)
    fail(name, where + "bad local header");
  const std::size_t name_len = u16(z, m.local_offset + 26);
  const std::size_t start = m.local_offset + kLocalSize + name_len + u16(z, m.local_offset + 28);
  if (start > limit || z.substr(m.local_offset + kLocalSize, name_len) != m.name)
    fail(name, where + "local header disagrees with central directory");
  if (limit - start < m.comp_size)
    fail(name, where + "truncated: " + std::to_string(m.comp_size) + " bytes declared, " +
                   std::to_string(limit - start) + " present");
  return z.substr(start, m.comp_size);
}

// Owns a raw-deflate (no zlib header) inflate stream.
class Inflater {
 public:
  Inflater() {
    if (inflateInit2(&s_, -MAX_WBITS) != Z_OK) throw NpyError("zlib: inflateInit2 failed");
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  ~Inflater() { inflateEnd(&s_); }
  z_stream& stream() { return s_; }

 private:
  z_stream s_{};
};

std::string inflate_member(std::string_view in, std::size_t size, const std::string& where,
                           std::string_view name) {
  if (size > in.size() * kMaxDeflateRatio + kMaxDeflateRatio)
    fail(name, where + "declared size " + std::to_string(size) + " impossible for " +
                   std::to_string(in.size()) + " compressed bytes");
  std::string out(size, '\0');
  Inflater inf;
  z_stream& s = inf.stream();
  // Sizes fit uInt: zip64 (anything >= 4 GiB) was rejected above.
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&s, Z_FINISH);
  if (rc == Z_DATA_ERROR) fail(name, where + "corrupt deflate data" + (s.msg ? std::string(": ") + s.msg : ""));
  if (rc == Z_BUF_ERROR && s.avail_out == 0) fail(name, where + "inflates to more than the declared " + std::to_string(size) + " bytes");
  if (rc != Z_STREAM_END) fail(name, where + "truncated deflate stream");
  if (s.avail_out != 0) fail(name, where + "inflates to fewer than the declared " + std::to_string(size) + " bytes");
  if (s.avail_in != 0) fail(name, where + "garbage after the deflate stream");
  return out;
}

std::string extract(std::string_view z, const Member& m, std::size_t limit, std::string_view name) {
  const std::string where = "member '" + m.name + "': ";
  const std::string_view raw = member_data(z, m, limit, name);
  std::string data;
  if (m.method == kMethodStored) {
    if (m.comp_size != m.size) fail(name, where + "stored member sizes disagree");
    data = std::string(raw);
  } else if (m.method == kMethodDeflate) {
    data = inflate_member(raw, m.size, where, name);
  } else {
    fail(name, where + "compression method " + std::to_string(m.method) +
                   " not supported (expected 0 stored or 8 deflate)");
  }
  if (crc_of(data) != m.crc) fail(name, where + "CRC-32 mismatch (corrupt data)");
  return data;
}

std::string key_of(const std::string& member, std::string_view name) {
  const bool npy = member.size() > kNpySuffix.size() &&
                   member.compare(member.size() - kNpySuffix.size(), kNpySuffix.size(), kNpySuffix) == 0;
  if (!npy) fail(name, "member '" + member + "' is not a .npy file");
  return member.substr(0, member.size() - kNpySuffix.size());
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------
// Fixed 1980-01-01 00:00 timestamp (the DOS epoch) so output is reproducible.
constexpr std::uint32_t kDosTime = 0;
constexpr std::uint32_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr std::uint32_t kUtf8Flag = 0x0800;
constexpr std::uint32_t kUnixMadeBy = (3 << 8) | kVersion20;
constexpr std::uint32_t kRegularFile0644 = 0100644u << 16;

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Common tail of local and central headers: version needed .. extra length.
void put_member_fields(std::string& out, std::string_view fname, std::uint32_t crc, std::size_t size) {
  put16(out, kVersion20);
  put16(out, is_ascii(fname) ? 0 : kUtf8Flag);
  put16(out, kMethodStored);
  put16(out, kDosTime);
  put16(out, kDosDate);
  put32(out, crc);
  put32(out, static_cast<std::uint32_t>(size));  // compressed == uncompressed
  put32(out, static_cast<std::uint32_t>(size));
  put16(out, static_cast<std::uint32_t>(fname.size()));
  put16(out, 0);  // extra length
}

void check_keys(const NpzEntries& arrays, std::string_view name) {
  if (arrays.size() >= 0xFFFF) fail(name, "too many arrays for a non-zip64 archive");
  std::set<std::string_view> seen;
  for (const auto& [key, a] : arrays) {
    if (key.empty()) fail(name, "empty key");
    if (key.size() + kNpySuffix.size() > 0xFFFF) fail(name, "key too long");
    if (!seen.insert(key).second) fail(name, "duplicate key '" + key + "'");
  }
}

std::string encode_npz_named(const NpzEntries& arrays, std::string_view name) {
  check_keys(arrays, name);
  std::string out, central;
  for (const auto& [key, a] : arrays) {
    const std::string fname = key + std::string(kNpySuffix);
    const std::string data = detail::encode_npy_named(a, std::string(name) + "[" + fname + "]");
    const std::uint32_t crc = crc_of(data);
    const std::size_t offset = out.size();
    if (offset + kLocalSize + fname.size() + data.size() >= 0xFFFFFFFF)
      fail(name, "archive exceeds 4 GiB (zip64 is not written)");
    put32(out, kLocalSig);
    put_member_fields(out, fname, crc, data.size());
    out += fname;
    out += data;

    put32(central, kCentralSig);
    put16(central, kUnixMadeBy);
    put_member_fields(central, fname, crc, data.size());
    put16(central, 0);  // comment length
    put16(central, 0);  // disk number
    put16(central, 0);  // internal attributes
    put32(central, kRegularFile0644);
    put32(central, static_cast<std::uint32_t>(offset));
    central += fname;
  }
  if (out.size() + central.size() >= 0xFFFFFFFF) fail(name, "archive exceeds 4 GiB (zip64 is not written)");
  const std::size_t cd_offset = out.size();
  out += central;
  put32(out, kEocdSig);
  put16(out, 0);  // this disk
  put16(out, 0);  // disk with the central directory
  put16(out, static_cast<std::uint32_t>(arrays.size()));
  put16(out, static_cast<std::uint32_t>(arrays.size()));
  put32(out, static_cast<std::uint32_t>(central.size()));
  put32(out, static_cast<std::uint32_t>(cd_offset));
  put16(out, 0);  // comment length
  return out;
}

}  // namespace

NpzEntries parse_npz(std::string_view bytes, std::string_view name) {
  const Eocd e = read_eocd(bytes, name);
  const std::string_view cd = bytes.substr(e.cd_offset, e.cd_size);
  NpzEntries result;
  std::set<std::string> keys;
  std::size_t at = 0;
  for (std::size_t i = 0; i < e.entries; ++i) {
    Member m;
    at = read_central_entry(cd, at, name, m);
    std::string key = key_of(m.name, name);
    if (!keys.insert(key).second) fail(name, "duplicate member '" + m.name + "'");
    // Member data must lie before the central directory.
    const std::string data = extract(bytes, m, e.cd_offset, name);
    result.emplace_back(std::move(key), parse_npy(data, std::string(name) + "[" + m.name + "]"));
  }
  return result;
}

NpzEntries read_npz(const std::string& path) { return parse_npz(detail::read_file_bytes(path), path); }

std::string encode_npz(const NpzEntries& arrays) { return encode_npz_named(arrays, "encode_npz"); }

void write_npz(const std::string& path, const NpzEntries& arrays) {
  detail::write_file_atomically(path, encode_npz_named(arrays, path));
}

}  // namespace vt::rt
