#define BOOST_TEST_MODULE runtime_npy
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>

#include "vt/runtime/io/npy.hpp"
#include "vt/runtime/io/npz.hpp"
#include "runtime/tests/support.hpp"

using namespace vt::rt;
using namespace vt::rt::testing;

namespace {

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------
// Checks that `f` throws NpyError whose message starts with `prefix` (the
// file name) and contains `needle`.
void expect_error(const std::function<void()>& f, const std::string& needle,
                  const std::string& prefix = "") {
  try {
    f();
  } catch (const NpyError& e) {
    const std::string msg = e.what();
    BOOST_CHECK_MESSAGE(msg.rfind(prefix, 0) == 0 && msg.find(needle) != std::string::npos,
                        "message '" << msg << "' lacks prefix '" << prefix << "' or '" << needle << "'");
    return;
  }
  BOOST_ERROR("no NpyError; expected one containing '" << needle << "'");
}

void expect_npy_error(const std::string& bytes, const std::string& needle) {
  expect_error([&] { vt::rt::parse_npy(bytes, "x.npy"); }, needle, "x.npy: ");
}

// Raw .npy bytes with an arbitrary header text (unaligned: readers must not care).
std::string make_npy(const std::string& dict, const std::string& data, int major = 1) {
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  const std::string header = dict + "\n";
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  for (std::size_t i = 0; i < len_bytes; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + data;
}

std::string dict_for(const std::string& descr, const std::string& shape, const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

std::uint32_t get32(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 4; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
void set16(std::string& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<char>(v & 0xFF);
  b[at + 1] = static_cast<char>((v >> 8) & 0xFF);
}
void set32(std::string& b, std::size_t at, std::uint32_t v) {
  set16(b, at, v & 0xFFFF);
  set16(b, at + 2, v >> 16);
}
// Offset of the central directory of a comment-less zip.
std::size_t cd_offset(const std::string& zip) { return get32(zip, zip.size() - 22 + 16); }

NpyArray make_array(NpyDType t, std::vector<std::int64_t> shape) {
  NpyArray a;
  a.dtype = t;
  a.shape = std::move(shape);
  const std::int64_t n = a.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    if (t == NpyDType::i64)
      a.ints.push_back(i * 1000003 - 7);
    else
      a.values.push_back(static_cast<double>(static_cast<float>(0.1 * static_cast<double>(i) - 1.5)));
  }
  return a;
}

void check_same(const NpyArray& got, const NpyArray& want) {
  BOOST_CHECK(got.dtype == want.dtype);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.shape.begin(), got.shape.end(), want.shape.begin(), want.shape.end());
  BOOST_REQUIRE_EQUAL(got.values.size(), want.values.size());
  for (std::size_t i = 0; i < got.values.size(); ++i)  // bitwise: -0.0 and NaN payloads matter
    BOOST_CHECK_EQUAL(std::bit_cast<std::uint64_t>(got.values[i]), std::bit_cast<std::uint64_t>(want.values[i]));
  BOOST_CHECK_EQUAL_COLLECTIONS(got.ints.begin(), got.ints.end(), want.ints.begin(), want.ints.end());
}

double f(float x) { return static_cast<double>(x); }

// The arrays make_fixtures.py writes.
NpyArray fixture_f4() {
  return {NpyDType::f32, {2, 3}, {f(0.1f), f(-2.5f), f(3.0e38f), f(1.0e-45f), -0.0, 7.0}, {}};
}
NpyArray fixture_f8() {
  return {NpyDType::f64, {3}, {0.1, -1.0e300, std::numeric_limits<double>::infinity()}, {}};
}
NpyArray fixture_i8() {
  NpyArray a{NpyDType::i64, {2, 3, 4}, {}, {}};
  for (std::int64_t i = 0; i < 24; ++i) a.ints.push_back(i - 12);
  a.ints.front() = std::numeric_limits<std::int64_t>::min();
  a.ints.back() = std::numeric_limits<std::int64_t>::max();
  return a;
}
NpyArray fixture_scalar() { return {NpyDType::f64, {}, {2.5}, {}}; }

const std::vector<std::vector<std::int64_t>> kShapes = {{}, {0}, {3}, {2, 3, 4}};
const std::vector<NpyDType> kDTypes = {NpyDType::f32, NpyDType::f64, NpyDType::i64};

}  // namespace

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(round_trip_every_dtype_and_shape) {
  TempDir dir;
  for (NpyDType t : kDTypes) {
    for (const auto& shape : kShapes) {
      const NpyArray a = make_array(t, shape);
      const std::string bytes = vt::rt::encode_npy(a);
      check_same(vt::rt::parse_npy(bytes, "mem"), a);
      const std::string path = dir.file("a.npy");
      vt::rt::write_npy(path, a);
      BOOST_CHECK(slurp(path) == bytes);
      check_same(vt::rt::read_npy(path), a);
    }
  }
  BOOST_CHECK_EQUAL(dir.names().size(), 1u);  // no temp files left behind
}

BOOST_AUTO_TEST_CASE(encoded_header_is_numpy_v1_aligned_to_64) {
  const std::string bytes = vt::rt::encode_npy(make_array(NpyDType::f32, {2, 3}));
  BOOST_CHECK_EQUAL(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t data_start = 10 + (static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8));
  BOOST_CHECK_EQUAL(data_start % 64, 0u);
  BOOST_CHECK_EQUAL(bytes[data_start - 1], '\n');
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  BOOST_CHECK_EQUAL(bytes.substr(10, dict.size()), dict);
  BOOST_CHECK_EQUAL(bytes.size(), data_start + 6 * 4);
}

BOOST_AUTO_TEST_CASE(f32_narrowing_rounds_to_nearest) {
  NpyArray a{NpyDType::f32, {1}, {0.1}, {}};  // 0.1 is not a float: stored as float(0.1)
  BOOST_CHECK_EQUAL(vt::rt::parse_npy(vt::rt::encode_npy(a), "mem").values.at(0), f(0.1f));
}

BOOST_AUTO_TEST_CASE(npz_round_trip) {
  TempDir dir;
  NpzEntries entries;
  for (NpyDType t : kDTypes)
    for (std::size_t i = 0; i < kShapes.size(); ++i)
      entries.emplace_back("k" + std::to_string(entries.size()) + "_" + std::string(vt::rt::npy_descr(t)).substr(1),
                           make_array(t, kShapes[i]));
  const std::string path = dir.file("a.npz");
  vt::rt::write_npz(path, entries);
  BOOST_CHECK(slurp(path) == vt::rt::encode_npz(entries));
  const NpzEntries back = vt::rt::read_npz(path);
  BOOST_REQUIRE_EQUAL(back.size(), entries.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    BOOST_CHECK_EQUAL(back[i].first, entries[i].first);
    check_same(back[i].second, entries[i].second);
  }
  BOOST_CHECK(vt::rt::parse_npz(vt::rt::encode_npz({}), "empty.npz").empty());
  BOOST_CHECK_EQUAL(dir.names().size(), 1u);
}

// ---------------------------------------------------------------------------
// numpy compatibility (fixtures from make_fixtures.py)
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(reads_numpy_save_files) {
  check_same(vt::rt::read_npy(fixture_path("f4_2x3.npy")), fixture_f4());
  check_same(vt::rt::read_npy(fixture_path("f8_3.npy")), fixture_f8());
  check_same(vt::rt::read_npy(fixture_path("i8_2x3x4.npy")), fixture_i8());
  check_same(vt::rt::read_npy(fixture_path("f8_scalar.npy")), fixture_scalar());
  check_same(vt::rt::read_npy(fixture_path("f4_empty.npy")), NpyArray{NpyDType::f32, {0}, {}, {}});
}

BOOST_AUTO_TEST_CASE(reads_version_2_and_3_headers) {
  check_same(vt::rt::read_npy(fixture_path("f8_3_v2.npy")), fixture_f8());
  check_same(vt::rt::read_npy(fixture_path("f8_3_v3.npy")), fixture_f8());
}

BOOST_AUTO_TEST_CASE(encodes_byte_identical_to_numpy_save) {
  for (const char* name : {"f4_2x3.npy", "f8_3.npy", "i8_2x3x4.npy", "f8_scalar.npy", "f4_empty.npy"}) {
    const std::string file = slurp(fixture_path(name));
    BOOST_CHECK_MESSAGE(vt::rt::encode_npy(vt::rt::parse_npy(file, name)) == file, name);
  }
}

BOOST_AUTO_TEST_CASE(reads_numpy_savez_and_savez_compressed) {
  for (const char* name : {"savez.npz", "savez_compressed.npz"}) {
    BOOST_TEST_CONTEXT(name) {
      const NpzEntries e = vt::rt::read_npz(fixture_path(name));
      BOOST_REQUIRE_EQUAL(e.size(), 3u);
      BOOST_CHECK_EQUAL(e[0].first, "a");
      BOOST_CHECK_EQUAL(e[1].first, "b");
      BOOST_CHECK_EQUAL(e[2].first, "c");
      check_same(e[0].second, fixture_f4());
      check_same(e[1].second, NpyArray{NpyDType::i64, {3}, {}, {1, -2, 3}});
      check_same(e[2].second, fixture_scalar());
    }
  }
}

BOOST_AUTO_TEST_CASE(savez_compressed_really_is_deflated) {
  // Guards the fixture: if it were stored, the deflate path would go untested.
  const std::string z = slurp(fixture_path("savez_compressed.npz"));
  BOOST_CHECK_EQUAL(static_cast<unsigned char>(z[8]), 8u);  // local header method
}

// ---------------------------------------------------------------------------
// Malformed .npy
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(npy_rejects_bad_magic_version_and_lengths) {
  const std::string good = make_npy(dict_for("<f8", "(1,)"), std::string(8, '\0'));
  expect_npy_error("", "not an NPY file (bad magic)");
  expect_npy_error("PK\x03\x04 definitely not npy", "not an NPY file (bad magic)");
  expect_npy_error(good.substr(0, 8), "truncated header");
  std::string v4 = good;
  v4[6] = 4;
  expect_npy_error(v4, "unsupported NPY version 4.0");
  std::string v11 = good;
  v11[7] = 1;
  expect_npy_error(v11, "unsupported NPY version 1.1");
  std::string long_header = good;
  long_header[9] = '\x7f';  // header length 0x7fxx, far beyond the file
  expect_npy_error(long_header, "exceeds file size");
  expect_npy_error(make_npy(dict_for("<f8", "(1,)"), std::string(8, '\0'), 2).substr(0, 11), "truncated header");
}

BOOST_AUTO_TEST_CASE(npy_rejects_unsupported_dtypes) {
  const std::string data(8, '\0');
  expect_npy_error(make_npy(dict_for("<i4", "(2,)"), data),
                   "dtype '<i4' not supported (expected <f4, <f8 or <i8)");
  expect_npy_error(make_npy(dict_for("<f2", "(4,)"), data), "dtype '<f2' not supported");
  expect_npy_error(make_npy(dict_for("|O", "(1,)"), data), "dtype '|O' not supported");
  expect_npy_error(make_npy(dict_for("|b1", "(8,)"), data), "dtype '|b1' not supported");
  expect_npy_error(make_npy(dict_for("|f8", "(1,)"), data), "dtype '|f8' not supported");
  expect_npy_error(make_npy(dict_for(">f8", "(1,)"), data), "big-endian dtype '>f8' not supported");
  expect_npy_error(make_npy(dict_for(">i8", "(1,)"), data), "big-endian dtype '>i8' not supported");
  expect_npy_error(make_npy("{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (1,), }", data),
                   "structured dtypes not supported");
}

BOOST_AUTO_TEST_CASE(npy_rejects_fortran_order) {
  expect_npy_error(make_npy(dict_for("<f8", "(1,)", "True"), std::string(8, '\0')), "Fortran order not supported");
}

BOOST_AUTO_TEST_CASE(npy_parses_shape_tuples) {
  const auto shape_of = [](const std::string& shape, std::size_t n) {
    return vt::rt::parse_npy(make_npy(dict_for("<i8", shape), std::string(8 * n, '\0')), "s").shape;
  };
  BOOST_CHECK(shape_of("()", 1).empty());
  BOOST_CHECK(shape_of("(3,)", 3) == std::vector<std::int64_t>{3});
  BOOST_CHECK(shape_of("( 2 ,3 , )", 6) == (std::vector<std::int64_t>{2, 3}));
  BOOST_CHECK(shape_of("(2, 0, 5)", 0) == (std::vector<std::int64_t>{2, 0, 5}));
  // Keys in any order, double quotes, no trailing comma: still a valid dict.
  const NpyArray a = vt::rt::parse_npy(
      make_npy("{\"shape\": (1,), \"fortran_order\": False, \"descr\": \"<f8\"}", std::string(8, '\0')), "s");
  BOOST_CHECK(a.dtype == NpyDType::f64);
}

BOOST_AUTO_TEST_CASE(npy_rejects_bad_shapes_and_headers) {
  const std::string d8(8, '\0');
  expect_npy_error(make_npy(dict_for("<f8", "(1)"), d8), "is not a tuple");
  expect_npy_error(make_npy(dict_for("<f8", "(-1,)"), d8), "negative dimension");
  expect_npy_error(make_npy(dict_for("<f8", "(a,)"), d8), "expected a dimension");
  expect_npy_error(make_npy(dict_for("<f8", "(16777216, 16777217)"), d8), "more than 2^48 elements");
  expect_npy_error(make_npy(dict_for("<f8", "(99999999999999999999999999,)"), d8), "more than 2^48 elements");
  expect_npy_error(make_npy(dict_for("<f8", "(4294967296, 4294967296, 4294967296)"), d8), "more than 2^48 elements");
  expect_npy_error(make_npy("{'descr': '<f8', 'shape': (1,), }", d8), "missing key 'fortran_order'");
  expect_npy_error(make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", d8),
                   "unexpected key 'x'");
  expect_npy_error(make_npy("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", d8),
                   "duplicate key 'descr'");
  expect_npy_error(make_npy(dict_for("<f8", "(1,)") + " junk", d8), "unexpected text after the header dict");
  expect_npy_error(make_npy("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,)}", d8), "expected True or False");
  expect_npy_error(make_npy("{'descr': '<f8", d8), "unterminated string");
  expect_npy_error(make_npy("", d8), "bad header: expected '{'");
}

BOOST_AUTO_TEST_CASE(npy_rejects_truncated_and_trailing_data) {
  expect_npy_error(make_npy(dict_for("<f8", "(3,)"), std::string(20, '\0')),
                   "truncated data: expected 24 bytes, found 20");
  expect_npy_error(make_npy(dict_for("<f4", "(2, 3)"), std::string(27, '\0')),
                   "3 bytes of trailing garbage after the data");
  // A huge declared shape with no data: must fail on size, never allocate.
  expect_npy_error(make_npy(dict_for("<f8", "(281474976710656,)"), ""), "truncated data: expected 2251799813685248 bytes");
  // Every prefix of a real file fails cleanly.
  const std::string file = slurp(fixture_path("f4_2x3.npy"));
  for (std::size_t n = 0; n < file.size(); ++n)
    BOOST_CHECK_THROW(vt::rt::parse_npy(file.substr(0, n), "x.npy"), NpyError);
}

BOOST_AUTO_TEST_CASE(read_npy_names_the_file) {
  TempDir dir;
  expect_error([&] { vt::rt::read_npy(dir.file("missing.npy")); }, "missing.npy: cannot open");
  const std::string path = dir.file("bad.npy");
  std::ofstream(path, std::ios::binary) << make_npy(dict_for("<i4", "(1,)"), "abcd");
  expect_error([&] { vt::rt::read_npy(path); }, path + ": dtype '<i4' not supported");
}

// ---------------------------------------------------------------------------
// Writing errors and atomicity
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(encode_rejects_inconsistent_arrays) {
  expect_error([] { vt::rt::encode_npy({NpyDType::f64, {2, 3}, {1, 2, 3}, {}}); },
               "encode_npy: shape (2, 3) needs 6 elements, got 3 values");
  expect_error([] { vt::rt::encode_npy({NpyDType::i64, {1}, {}, {}}); }, "needs 1 elements, got 0 ints");
  expect_error([] { vt::rt::encode_npy({NpyDType::i64, {1}, {1.0}, {1}}); }, "must leave `values` empty");
  expect_error([] { vt::rt::encode_npy({NpyDType::f32, {-1}, {}, {}}); }, "negative dimension");
}

BOOST_AUTO_TEST_CASE(write_is_atomic_and_replaces) {
  TempDir dir;
  const std::string path = dir.file("w.npy");
  vt::rt::write_npy(path, fixture_f8());
  vt::rt::write_npy(path, fixture_i8());  // replaces
  check_same(vt::rt::read_npy(path), fixture_i8());
  const std::string before = slurp(path);
  // A failing encode leaves the old file intact and no temp file behind.
  expect_error([&] { vt::rt::write_npy(path, {NpyDType::f64, {2}, {}, {}}); }, path + ": shape (2,) needs 2");
  BOOST_CHECK(slurp(path) == before);
  BOOST_CHECK_EQUAL(dir.names().size(), 1u);
  expect_error([&] { vt::rt::write_npy(dir.file("no/such/dir/x.npy"), fixture_f8()); }, "cannot create temp file");
}

BOOST_AUTO_TEST_CASE(encode_npz_rejects_bad_keys) {
  expect_error([] { vt::rt::encode_npz({{"", fixture_f8()}}); }, "encode_npz: empty key");
  expect_error([] { vt::rt::encode_npz({{"a", fixture_f8()}, {"a", fixture_i8()}}); }, "duplicate key 'a'");
  expect_error([] { vt::rt::encode_npz({{"a", NpyArray{NpyDType::f64, {2}, {}, {}}}}); }, "encode_npz[a.npy]: shape (2,)");
}

// ---------------------------------------------------------------------------
// Malformed .npz
// ---------------------------------------------------------------------------
namespace {
void expect_npz_error(const std::string& bytes, const std::string& needle) {
  expect_error([&] { vt::rt::parse_npz(bytes, "x.npz"); }, needle, "x.npz");
}
std::string one_member_zip() { return vt::rt::encode_npz({{"a", fixture_f8()}}); }
}  // namespace

BOOST_AUTO_TEST_CASE(npz_detects_crc_mismatch) {
  std::string z = one_member_zip();
  z[30 + 5 + 130] ^= 0x01;  // a data byte of member a.npy (after its 128-byte npy header)
  expect_npz_error(z, "member 'a.npy': CRC-32 mismatch");
  std::string bad_crc = one_member_zip();
  const std::size_t cd = cd_offset(bad_crc);
  set32(bad_crc, cd + 16, get32(bad_crc, cd + 16) ^ 0x80000000u);
  expect_npz_error(bad_crc, "member 'a.npy': CRC-32 mismatch");
  std::string zc = slurp(fixture_path("savez_compressed.npz"));
  const std::size_t cdc = cd_offset(zc);
  set32(zc, cdc + 16, get32(zc, cdc + 16) + 1);
  expect_npz_error(zc, "member 'a.npy': CRC-32 mismatch");
}

BOOST_AUTO_TEST_CASE(npz_detects_truncated_members) {
  // Stored member claiming more bytes than lie before the central directory.
  std::string z = one_member_zip();
  const std::size_t cd = cd_offset(z);
  set32(z, cd + 20, get32(z, cd + 20) + 100);
  set32(z, cd + 24, get32(z, cd + 24) + 100);
  expect_npz_error(z, "member 'a.npy': truncated");
  // Stored member whose sizes disagree.
  std::string s = one_member_zip();
  set32(s, cd + 24, get32(s, cd + 24) - 1);
  expect_npz_error(s, "stored member sizes disagree");
  // Deflated member cut short.
  std::string zc = slurp(fixture_path("savez_compressed.npz"));
  const std::size_t cdc = cd_offset(zc);
  set32(zc, cdc + 20, get32(zc, cdc + 20) - 10);
  expect_npz_error(zc, "member 'a.npy': truncated deflate stream");
  // Deflated member declaring a wrong uncompressed size, both ways.
  std::string big = slurp(fixture_path("savez_compressed.npz"));
  set32(big, cdc + 24, get32(big, cdc + 24) + 1);
  expect_npz_error(big, "inflates to fewer than the declared");
  std::string small = slurp(fixture_path("savez_compressed.npz"));
  set32(small, cdc + 24, get32(small, cdc + 24) - 1);
  expect_npz_error(small, "inflates to more than the declared");
  std::string huge = slurp(fixture_path("savez_compressed.npz"));
  set32(huge, cdc + 24, 0xFFFFFFF0u);
  expect_npz_error(huge, "impossible for");
  // Every prefix of an archive fails cleanly (mostly: no EOCD record).
  const std::string file = slurp(fixture_path("savez.npz"));
  for (std::size_t n = 0; n < file.size(); ++n)
    BOOST_CHECK_THROW(vt::rt::parse_npz(file.substr(0, n), "x.npz"), NpyError);
  expect_npz_error(file.substr(0, file.size() / 2), "not a zip archive");
}

BOOST_AUTO_TEST_CASE(npz_rejects_zip64) {
  std::string z = one_member_zip();
  const std::size_t eocd = z.size() - 22;
  std::string many = z;
  set16(many, eocd + 8, 0xFFFF);
  set16(many, eocd + 10, 0xFFFF);
  expect_npz_error(many, "zip64 archives not supported");
  std::string far = z;
  set32(far, eocd + 16, 0xFFFFFFFFu);
  expect_npz_error(far, "zip64 archives not supported");
  // A zip64 end-of-central-directory locator right before the EOCD.
  std::string locator = z.substr(0, eocd) + "PK\x06\x07" + std::string(16, '\0') + z.substr(eocd);
  set32(locator, locator.size() - 22 + 16, get32(locator, locator.size() - 22 + 16));
  expect_npz_error(locator, "zip64 archives not supported");
  std::string member = z;
  set32(member, cd_offset(z) + 24, 0xFFFFFFFFu);
  expect_npz_error(member, "member 'a.npy': zip64 archives not supported");
}

BOOST_AUTO_TEST_CASE(npz_rejects_other_problems) {
  const std::string z = one_member_zip();
  const std::size_t cd = cd_offset(z);
  std::string method = z;
  set16(method, cd + 10, 12);  // bzip2
  expect_npz_error(method, "compression method 12 not supported");
  std::string encrypted = z;
  set16(encrypted, cd + 8, 1);
  expect_npz_error(encrypted, "encrypted members not supported");
  std::string name = z;
  name[cd + 46 + 2] = 'z';  // central name "a.zpy"
  expect_npz_error(name, "x.npz: member 'a.zpy' is not a .npy file");
  std::string local_name = z;
  local_name[30] = 'b';
  expect_npz_error(local_name, "local header disagrees with central directory");
  std::string local_sig = z;
  local_sig[0] = 'X';
  expect_npz_error(local_sig, "bad local header");
  std::string cd_sig = z;
  cd_sig[cd] = 'X';
  expect_npz_error(cd_sig, "corrupt central directory entry");
  expect_npz_error("definitely not a zip file at all", "not a zip archive");
  // A member that is a valid zip entry but a bad .npy names archive and member.
  std::string bad_member = vt::rt::encode_npz({{"m", fixture_f8()}});
  const std::size_t at = bad_member.find("<f8");
  bad_member.replace(at, 3, "<i4");
  const std::size_t cdm = cd_offset(bad_member);
  const std::string data = bad_member.substr(30 + 5, get32(bad_member, cdm + 20));
  // Fix the CRCs (bitwise CRC-32, independent of zlib) so the npy layer, not
  // the zip layer, reports the problem.
  const std::uint32_t crc = [&] {
    std::uint32_t c = 0xFFFFFFFFu;
    for (unsigned char ch : data) {
      c ^= ch;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
  }();
  set32(bad_member, 14, crc);
  set32(bad_member, cdm + 16, crc);
  expect_error([&] { vt::rt::parse_npz(bad_member, "x.npz"); }, "x.npz[m.npy]: dtype '<i4' not supported");
}
