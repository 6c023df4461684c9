#define BOOST_TEST_MODULE runtime_checkpoint
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "vt/runtime/io/checkpoint.hpp"
#include "runtime/tests/support.hpp"

namespace fs = std::filesystem;
using namespace vt::rt;
using vt::spec::Dense;
using vt::spec::DType;
using vt::spec::Shape;
using namespace vt::rt::testing;

namespace {

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------
void spit(const fs::path& p, const std::string& bytes) {
  // Remove first: rewriting a file truncated to zero makes ext4 flush it to
  // disk on close (auto_da_alloc), which turns thousands of rewrites into seconds.
  std::error_code ec;
  fs::remove(p, ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BOOST_REQUIRE(out.good());
}

std::uint64_t get_le(const std::string& b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
void set_le(std::string& b, std::size_t at, std::size_t n, std::uint64_t v) {
  for (std::size_t i = 0; i < n; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

// Rewrites the trailer (file length and CRC-32) so that an edited file passes
// the checksum and reaches the structural checks.
void fix_trailer(std::string& b) {
  BOOST_REQUIRE_GE(b.size(), 12u);
  set_le(b, b.size() - 12, 8, b.size());
  const auto crc = ::crc32_z(0, reinterpret_cast<const Bytef*>(b.data()), b.size() - 4);
  set_le(b, b.size() - 4, 4, crc);
}

// Checks that `f` throws CheckpointError whose message contains every needle.
void expect_error(const std::function<void()>& f, const std::vector<std::string>& needles) {
  expect_error_containing<CheckpointError>(f, needles);
}

void check_same(const Checkpoint& got, const Checkpoint& want) {
  BOOST_CHECK_EQUAL(got.meta.dump(), want.meta.dump());
  BOOST_REQUIRE_EQUAL(got.tensors.size(), want.tensors.size());
  for (std::size_t i = 0; i < got.tensors.size(); ++i) {
    const auto& g = got.tensors[i];
    const auto& w = want.tensors[i];
    BOOST_CHECK_EQUAL(g.name, w.name);
    BOOST_CHECK(g.dtype == w.dtype);
    BOOST_CHECK_EQUAL(g.shape, w.shape);
    BOOST_CHECK_MESSAGE(g.bytes == w.bytes, "tensor '" << g.name << "' differs");
  }
}

template <class S>
Dense<S> iota(Shape s, double scale) {
  Dense<S> d{s, {}};
  const auto n = s.numel();
  for (std::int64_t i = 0; i < n; ++i) d.data.push_back(static_cast<S>(scale * static_cast<double>(i) - 3.0));
  return d;
}

// A checkpoint exercising every dtype, a scalar, an empty tensor, special
// float values and nested metadata.
Checkpoint sample() {
  Checkpoint c;
  c.meta["epoch"] = 7;
  c.meta["lr"] = 0.1;
  c.meta["name"] = "r\xC3\xA9sum\xC3\xA9 \"quoted\"\n";
  c.meta["optimizer"] = {{"kind", "adam"}, {"betas", {0.9, 0.999}}, {"state", {{"step", 123456789012345LL}}}};
  c.meta["history"] = nlohmann::json::array({nlohmann::json::object(), nullptr, true, -1.5e-300});
  Dense<float> w{Shape{2, 3}, {1.0f, -0.0f, std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::denorm_min(), std::bit_cast<float>(0x7fc01234u),
                               -std::numeric_limits<float>::max()}};
  c.put("layer1.weight", w);
  c.put("layer1.bias", iota<double>(Shape{3}, 0.1));
  c.put("labels", Dense<std::int64_t>{Shape{4}, {0, -1, std::numeric_limits<std::int64_t>::min(),
                                                 std::numeric_limits<std::int64_t>::max()}});
  c.put("scalar", Dense<double>{Shape{}, {std::bit_cast<double>(0x7ff8000000000badull)}});
  c.put("empty", Dense<float>{Shape{0, 5}, {}});
  return c;
}

// A small checkpoint (~ a few hundred bytes) for exhaustive corruption tests.
Checkpoint small() {
  Checkpoint c;
  c.meta["epoch"] = 2;
  c.meta["nested"] = {{"a", {1, 2}}};
  c.put("w1", iota<float>(Shape{2, 2}, 0.5));
  c.put("b", iota<double>(Shape{2}, 0.25));
  c.put("steps", Dense<std::int64_t>{Shape{}, {42}});
  return c;
}

Checkpoint big(int tag) {
  Checkpoint c;
  c.meta["tag"] = tag;
  c.put("w1", iota<float>(Shape{256, 300}, 0.001 * tag));  // 300 KiB: several chunks
  c.put("w2", iota<double>(Shape{1000}, 1.0));
  return c;
}

bool has_temp(const TempDir& d) {
  for (const auto& n : d.names())
    if (n.find(".tmp-") != std::string::npos) return true;
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------
// Round trip and API
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(round_trip_is_bitwise) {
  TempDir dir;
  const Checkpoint c = sample();
  save_checkpoint(dir.file("a.vtck"), c);
  const Checkpoint back = load_checkpoint(dir.file("a.vtck"));
  check_same(back, c);
  BOOST_CHECK(back.meta == c.meta);

  const auto w = back.get<float>("layer1.weight");
  BOOST_CHECK_EQUAL(w.shape, (Shape{2, 3}));
  const auto w0 = c.get<float>("layer1.weight");
  for (std::size_t i = 0; i < w.data.size(); ++i)
    BOOST_CHECK_EQUAL(std::bit_cast<std::uint32_t>(w.data[i]), std::bit_cast<std::uint32_t>(w0.data[i]));
  BOOST_CHECK_EQUAL(std::bit_cast<std::uint32_t>(w.data[4]), 0x7fc01234u);  // NaN payload kept
  BOOST_CHECK(std::signbit(w.data[1]));
  const auto s = back.get<double>("scalar");
  BOOST_CHECK_EQUAL(s.shape.rank(), 0u);
  BOOST_REQUIRE_EQUAL(s.data.size(), 1u);
  BOOST_CHECK_EQUAL(std::bit_cast<std::uint64_t>(s.data[0]), 0x7ff8000000000badull);
  const auto l = back.get<std::int64_t>("labels");
  BOOST_CHECK_EQUAL(l.data[2], std::numeric_limits<std::int64_t>::min());
  BOOST_CHECK_EQUAL(l.data[3], std::numeric_limits<std::int64_t>::max());
  const auto e = back.get<float>("empty");
  BOOST_CHECK_EQUAL(e.shape, (Shape{0, 5}));
  BOOST_CHECK(e.data.empty());
  BOOST_CHECK(back.get<double>("layer1.bias").data == c.get<double>("layer1.bias").data);
  BOOST_CHECK_EQUAL(back.meta["optimizer"]["state"]["step"].get<long long>(), 123456789012345LL);
  BOOST_CHECK_EQUAL(back.meta["history"][3].get<double>(), -1.5e-300);
  BOOST_CHECK(dir.names() == std::vector<std::string>{"a.vtck"});  // no temp file left
}

BOOST_AUTO_TEST_CASE(empty_checkpoint_and_overwrite) {
  TempDir dir;
  const auto p = dir.file("e.vtck");
  save_checkpoint(p, Checkpoint{});
  const auto back = load_checkpoint(p);
  BOOST_CHECK(back.tensors.empty());
  BOOST_CHECK(back.meta == nlohmann::json::object());
  save_checkpoint(p, small());  // replaces an existing file
  check_same(load_checkpoint(p), small());
}

BOOST_AUTO_TEST_CASE(large_tensor_round_trip) {
  TempDir dir;
  Checkpoint c;
  c.put("big", iota<float>(Shape{3, 1000, 700}, 1e-3));  // 8.4 MB: many chunks and read buffers
  const auto p = dir.file("big.vtck");
  save_checkpoint(p, c);
  check_same(load_checkpoint(p), c);
}

BOOST_AUTO_TEST_CASE(saving_is_deterministic) {
  TempDir dir;
  save_checkpoint(dir.file("1"), sample());
  save_checkpoint(dir.file("2"), sample());
  BOOST_CHECK(slurp(dir.file("1")) == slurp(dir.file("2")));
}

BOOST_AUTO_TEST_CASE(put_get_has_record) {
  Checkpoint c;
  c.put("a", iota<float>(Shape{2}, 1.0));
  c.put("b", iota<std::int64_t>(Shape{3}, 1.0));
  c.put("a", iota<double>(Shape{4}, 1.0));  // replaces, keeps the position
  BOOST_REQUIRE_EQUAL(c.tensors.size(), 2u);
  BOOST_CHECK_EQUAL(c.tensors[0].name, "a");
  BOOST_CHECK(c.record("a").dtype == DType::f64);
  BOOST_CHECK_EQUAL(c.record("a").bytes.size(), 32u);
  BOOST_CHECK(c.has("b"));
  BOOST_CHECK(!c.has("c"));
  expect_error([&] { c.get<float>("a"); }, {"'a'", "f64", "f32"});
  expect_error([&] { c.get<double>("b"); }, {"'b'", "i64", "f64"});
  expect_error([&] { c.get<float>("zzz"); }, {"'zzz'", "a, b"});
  expect_error([&] { c.record("zzz"); }, {"'zzz'"});
  expect_error([&] { c.put("bad", Dense<float>{Shape{2, 2}, {1.0f}}); }, {"'bad'", "[2, 2]"});
  expect_error([&] { c.put("neg", Dense<float>{Shape{-1}, {}}); }, {"'neg'"});
  expect_error([&] { c.put("", Dense<float>{Shape{}, {1.0f}}); }, {"empty"});
}

// The bytes of a tiny checkpoint, as shown in docs/checkpoint-format.md.
BOOST_AUTO_TEST_CASE(byte_layout_matches_the_documented_example) {
  TempDir dir;
  Checkpoint c;
  c.meta["epoch"] = 3;
  c.put("w", Dense<float>{Shape{2}, {1.0f, -2.0f}});
  save_checkpoint(dir.file("x"), c);
  const std::string b = slurp(dir.file("x"));
  const unsigned char want[] = {
      0x89, 'V',  'T',  'C',  '\r', '\n', 0x1a, '\n',                  // magic
      0x01, 0x00, 0x00, 0x00,                                          // version 1
      0x00, 0x00, 0x00, 0x00,                                          // flags
      0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                  // 1 tensor
      0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                  // meta: 11 bytes
      '{',  '"',  'e',  'p',  'o',  'c',  'h',  '"',  ':',  '3',  '}',  //
      0x01, 0x00, 0x00, 0x00, 'w',                                     // name
      0x01, 0x00, 0x00, 0x00,                                          // dtype f32
      0x01, 0x00, 0x00, 0x00,                                          // rank 1
      0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                  // dim 2
      0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                  // 8 data bytes
      0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0,                  // 1.0f, -2.0f
      0x5c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                  // file length 92
  };
  BOOST_REQUIRE_EQUAL(b.size(), sizeof want + 4);
  for (std::size_t i = 0; i < sizeof want; ++i)
    BOOST_CHECK_MESSAGE(static_cast<unsigned char>(b[i]) == want[i], "byte " << i);
  const auto crc = ::crc32_z(0, reinterpret_cast<const Bytef*>(b.data()), b.size() - 4);
  BOOST_CHECK_EQUAL(get_le(b, b.size() - 4, 4), crc);
  BOOST_TEST_MESSAGE("crc of the documented example: " << std::hex << crc);
  BOOST_CHECK_EQUAL(crc, 0xf3333019u);  // the value printed in docs/checkpoint-format.md
}

BOOST_AUTO_TEST_CASE(probe_sees_chunks_of_at_most_64k_and_a_boundary_inside_tensor_data) {
  TempDir dir;
  const Checkpoint c = big(1);
  std::vector<std::size_t> marks;
  save_checkpoint(dir.file("p"), c, [&](std::size_t n) { marks.push_back(n); });
  const auto size = fs::file_size(dir.file("p"));
  BOOST_REQUIRE_GE(marks.size(), 3u);
  BOOST_CHECK_EQUAL(marks.back(), size);
  std::size_t prev = 0;
  for (auto m : marks) {
    BOOST_CHECK_GT(m, prev);
    BOOST_CHECK_LE(m - prev, 64u * 1024u);
    prev = m;
  }
  // Data of w1 starts after header (32) + meta + name length/name/dtype/rank/dims/byte length.
  const std::string meta = c.meta.dump();
  const std::size_t data_start = 32 + meta.size() + 4 + 2 + 4 + 4 + 16 + 8;
  const std::size_t data_end = data_start + 256 * 300 * 4;
  BOOST_CHECK(std::any_of(marks.begin(), marks.end(), [&](std::size_t m) { return m > data_start && m < data_end; }));
  // Even a tiny tensor gets a boundary inside its data.
  Checkpoint t;
  t.put("x", Dense<double>{Shape{2}, {1.0, 2.0}});
  marks.clear();
  save_checkpoint(dir.file("t"), t, [&](std::size_t n) { marks.push_back(n); });
  const std::size_t t_data = 32 + 2 + 4 + 1 + 4 + 4 + 8 + 8;
  BOOST_CHECK(std::find(marks.begin(), marks.end(), t_data + 8) != marks.end());
}

// ---------------------------------------------------------------------------
// Load errors
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(missing_file_and_not_a_file) {
  TempDir dir;
  const auto p = dir.file("nope.vtck");
  expect_error([&] { load_checkpoint(p); }, {p.string(), "No such file"});
  expect_error([&] { load_checkpoint(dir.path()); }, {dir.path().string()});
}

BOOST_AUTO_TEST_CASE(wrong_magic_and_text_mode_mangling) {
  TempDir dir;
  const auto p = dir.file("m");
  spit(p, "PK\x03\x04 this is a zip file, not a checkpoint at all.......");
  expect_error([&] { load_checkpoint(p); }, {p.string(), "not a veritape checkpoint"});
  spit(p, "x");
  expect_error([&] { load_checkpoint(p); }, {"not a veritape checkpoint"});

  save_checkpoint(p, small());
  std::string b = slurp(p);
  // CRLF -> LF, as a text-mode transfer would do.
  std::string lf = b;
  lf.erase(4, 1);
  spit(p, lf);
  expect_error([&] { load_checkpoint(p); }, {"not a veritape checkpoint"});
  // LF -> CRLF.
  std::string crlf = b;
  crlf.insert(7, "\r");
  spit(p, crlf);
  expect_error([&] { load_checkpoint(p); }, {"not a veritape checkpoint"});
  // High bit stripped.
  std::string seven = b;
  seven[0] = static_cast<char>(0x09);
  spit(p, seven);
  expect_error([&] { load_checkpoint(p); }, {"not a veritape checkpoint"});
}

BOOST_AUTO_TEST_CASE(unsupported_version_names_both) {
  TempDir dir;
  const auto p = dir.file("v");
  save_checkpoint(p, small());
  std::string b = slurp(p);
  set_le(b, 8, 4, 2);
  fix_trailer(b);
  spit(p, b);
  expect_error([&] { load_checkpoint(p); }, {p.string(), "unsupported", "version 2", "version 1"});
}

BOOST_AUTO_TEST_CASE(checksum_mismatch) {
  TempDir dir;
  const auto p = dir.file("c");
  save_checkpoint(p, small());
  std::string b = slurp(p);
  b[b.size() - 20] ^= 0x01;  // inside the last tensor's data
  spit(p, b);
  expect_error([&] { load_checkpoint(p); }, {p.string(), "corrupted: checksum"});
}

BOOST_AUTO_TEST_CASE(truncated_names_offset_and_what) {
  TempDir dir;
  const auto p = dir.file("t");
  Checkpoint c;
  c.put("w1", iota<float>(Shape{1024}, 1.0));
  save_checkpoint(p, c);
  const std::string b = slurp(p);
  const std::size_t data_start = 32 + 2 + 4 + 2 + 4 + 4 + 8 + 8;
  spit(p, b.substr(0, data_start + 123));
  expect_error([&] { load_checkpoint(p); },
               {p.string(), "truncated at byte " + std::to_string(data_start + 123), "tensor 'w1' data",
                "expected 4096 bytes"});
  spit(p, "");
  expect_error([&] { load_checkpoint(p); }, {"truncated at byte 0", "magic"});
}

BOOST_AUTO_TEST_CASE(structural_errors_behind_a_valid_checksum) {
  TempDir dir;
  const auto p = dir.file("s");
  save_checkpoint(p, small());
  const std::string good = slurp(p);
  const std::size_t meta_len = get_le(good, 24, 8);
  const std::size_t rec0 = 32 + meta_len;  // first record: w1, rank 2
  const std::size_t dtype_at = rec0 + 4 + 2;
  const std::size_t rank_at = dtype_at + 4;
  const std::size_t dims_at = rank_at + 4;
  const std::size_t len_at = dims_at + 16;
  auto with = [&](const std::function<void(std::string&)>& edit) {
    std::string b = good;
    edit(b);
    fix_trailer(b);
    spit(p, b);
  };

  with([&](std::string& b) { set_le(b, dtype_at, 4, 9); });
  expect_error([&] { load_checkpoint(p); }, {"bad dtype code 9", "'w1'"});
  with([&](std::string& b) { set_le(b, dtype_at, 4, 0); });
  expect_error([&] { load_checkpoint(p); }, {"bad dtype code 0"});
  // Absurd sizes: nothing of that size may be allocated.
  with([&](std::string& b) { set_le(b, 24, 8, std::uint64_t{1} << 62); });
  expect_error([&] { load_checkpoint(p); }, {"truncated", "metadata"});
  with([&](std::string& b) { set_le(b, 16, 8, ~std::uint64_t{0}); });
  expect_error([&] { load_checkpoint(p); }, {"truncated", "18446744073709551615 record(s)"});
  with([&](std::string& b) { set_le(b, rec0, 4, 0xFFFFFFFFu); });
  expect_error([&] { load_checkpoint(p); }, {"truncated", "name"});
  with([&](std::string& b) { set_le(b, rank_at, 4, 0xFFFFFFFFu); });
  expect_error([&] { load_checkpoint(p); }, {"truncated", "'w1' dims"});
  with([&](std::string& b) { set_le(b, dims_at, 8, std::uint64_t{1} << 40); set_le(b, dims_at + 8, 8, std::uint64_t{1} << 40); });
  expect_error([&] { load_checkpoint(p); }, {"absurd shape"});
  with([&](std::string& b) { set_le(b, dims_at, 8, static_cast<std::uint64_t>(-2)); });
  expect_error([&] { load_checkpoint(p); }, {"absurd shape"});
  with([&](std::string& b) { set_le(b, len_at, 8, ~std::uint64_t{0}); });
  expect_error([&] { load_checkpoint(p); }, {"'w1' byte length", "expected 16"});
  // Consistent shape and length, but far more than the file holds.
  with([&](std::string& b) { set_le(b, dims_at, 8, 1 << 20); set_le(b, len_at, 8, std::uint64_t{8} << 20); });
  expect_error([&] { load_checkpoint(p); }, {"truncated", "'w1' data", "expected 8388608 bytes"});
  with([&](std::string& b) { set_le(b, 12, 4, 1); });
  expect_error([&] { load_checkpoint(p); }, {"flags"});
  with([&](std::string& b) { b[32] = '['; });
  expect_error([&] { load_checkpoint(p); }, {"metadata is not valid JSON"});
  with([&](std::string& b) { set_le(b, rec0, 4, 0); });
  expect_error([&] { load_checkpoint(p); }, {"empty name"});
  // Duplicate names: rename the second of two equally long names.
  {
    Checkpoint d;
    d.put("ab", Dense<float>{Shape{}, {1.0f}});
    d.put("cd", Dense<float>{Shape{}, {2.0f}});
    save_checkpoint(p, d);
    std::string b = slurp(p);
    const auto at = b.find("cd");
    BOOST_REQUIRE(at != std::string::npos);
    b[at] = 'a';
    b[at + 1] = 'b';
    fix_trailer(b);
    spit(p, b);
    expect_error([&] { load_checkpoint(p); }, {"duplicate tensor name 'ab'"});
  }
  // Deeply nested metadata is refused rather than recursed into.
  {
    Checkpoint d;
    d.meta = "x";
    save_checkpoint(p, d);
    std::string b = slurp(p);
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    std::string e = b.substr(0, 24);
    e.append(8, '\0');
    set_le(e, 24, 8, deep.size());
    e += deep;
    e += b.substr(b.size() - 12);
    fix_trailer(e);
    spit(p, e);
    expect_error([&] { load_checkpoint(p); }, {"nested deeper"});
  }
}

BOOST_AUTO_TEST_CASE(trailing_garbage) {
  TempDir dir;
  const auto p = dir.file("g");
  save_checkpoint(p, small());
  spit(p, slurp(p) + "garbage");
  expect_error([&] { load_checkpoint(p); }, {"trailing garbage: 7 bytes"});
  save_checkpoint(p, small());
  spit(p, slurp(p) + std::string(1, '\0'));
  expect_error([&] { load_checkpoint(p); }, {"trailing garbage: 1 bytes"});
}

BOOST_AUTO_TEST_CASE(every_flipped_byte_is_an_error) {
  TempDir dir;
  const auto p = dir.file("f");
  save_checkpoint(p, small());
  const std::string good = slurp(p);
  BOOST_TEST_MESSAGE("small checkpoint: " << good.size() << " bytes");
  int errors = 0;
  for (std::size_t i = 0; i < good.size(); ++i)
    for (unsigned mask : {0x01u, 0x80u, 0xFFu}) {
      std::string b = good;
      b[i] = static_cast<char>(static_cast<unsigned char>(b[i]) ^ mask);
      spit(p, b);
      try {
        load_checkpoint(p);
        BOOST_ERROR("flipping byte " << i << " with mask " << mask << " was not detected");
      } catch (const CheckpointError&) {
        ++errors;
      }
    }
  BOOST_CHECK_EQUAL(errors, static_cast<int>(3 * good.size()));
}

BOOST_AUTO_TEST_CASE(every_truncation_is_an_error) {
  TempDir dir;
  const auto p = dir.file("t");
  save_checkpoint(p, small());
  const std::string good = slurp(p);
  for (std::size_t n = 0; n < good.size(); ++n) {
    spit(p, good.substr(0, n));
    try {
      load_checkpoint(p);
      BOOST_ERROR("truncation to " << n << " bytes was not detected");
    } catch (const CheckpointError& e) {
      const std::string msg = e.what();
      BOOST_CHECK_MESSAGE(msg.find("truncated") != std::string::npos || msg.find("checksum") != std::string::npos,
                          "length " << n << ": " << msg);
    }
  }
}

// Random bytes, and random edits behind a repaired checksum (which reach the
// structural parser): only CheckpointError may come out, never a crash, a
// bad_alloc or another exception.
BOOST_AUTO_TEST_CASE(arbitrary_bytes_never_crash) {
  TempDir dir;
  const auto p = dir.file("r");
  save_checkpoint(p, small());
  const std::string good = slurp(p);
  std::mt19937_64 rng(12345);
  auto byte = [&] { return static_cast<char>(rng() & 0xFF); };
  int ok = 0, failed = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string b;
    switch (iter % 3) {
      case 0: {  // pure noise, sometimes behind the right magic and version
        b.resize(rng() % 200);
        for (auto& ch : b) ch = byte();
        if (iter % 2 == 0 && b.size() >= 12) std::memcpy(b.data(), good.data(), 12);
        if (b.size() >= 12 && iter % 4 == 0) fix_trailer(b);
        break;
      }
      default: {  // a valid file with a few bytes changed, checksum repaired
        b = good;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < edits; ++k) {
          const auto at = 12 + rng() % (b.size() - 24);
          b[at] = (rng() % 3 == 0) ? static_cast<char>(0xFF) : byte();
        }
        fix_trailer(b);
      }
    }
    spit(p, b);
    try {
      load_checkpoint(p);
      ++ok;
    } catch (const CheckpointError&) {
      ++failed;
    } catch (const std::exception& e) {
      BOOST_ERROR("iteration " << iter << ": unexpected exception " << e.what());
    }
  }
  BOOST_TEST_MESSAGE("random inputs: " << ok << " loaded, " << failed << " rejected");
  BOOST_CHECK_GT(failed, 0);
}

// ---------------------------------------------------------------------------
// Atomic writing
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(kill_during_save_leaves_the_old_checkpoint_intact) {
  TempDir dir;
  const auto p = dir.file("ckpt.vtck");
  const Checkpoint a = small();
  const Checkpoint b = big(3);
  save_checkpoint(p, a);
  const std::string a_bytes = slurp(p);

  // How many chunks does B take? Kill the writer after each of them in turn.
  std::size_t chunks = 0;
  {
    TempDir scratch;
    save_checkpoint(scratch.file("x"), b, [&](std::size_t) { ++chunks; });
  }
  BOOST_REQUIRE_GE(chunks, 3u);
  for (std::size_t kill_after = 1; kill_after <= chunks; ++kill_after) {
    std::fflush(nullptr);
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
      std::size_t seen = 0;
      try {
        save_checkpoint(p, b, [&](std::size_t) {
          if (++seen == kill_after) ::raise(SIGKILL);
        });
      } catch (...) {
        ::_exit(4);
      }
      ::_exit(3);  // the probe never fired: the test fails below
    }
    int status = 0;
    BOOST_REQUIRE_EQUAL(::waitpid(child, &status, 0), child);
    BOOST_REQUIRE_MESSAGE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                          "child did not die by SIGKILL (status " << status << ")");
    // The killed writer left its temp file (ckpt.vtck.tmp-<pid>-<seq>) behind, partly written...
    const std::string tmp_prefix = "ckpt.vtck.tmp-" + std::to_string(child) + "-";
    const auto names = dir.names();
    BOOST_CHECK(std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n.rfind(tmp_prefix, 0) == 0; }));
    // ...and the old checkpoint is untouched, bit for bit.
    BOOST_CHECK(slurp(p) == a_bytes);
    check_same(load_checkpoint(p), a);
  }
  BOOST_CHECK(has_temp(dir));

  // A normal save of B now succeeds, loads as B, and removes the temp files of
  // the dead writers.
  save_checkpoint(p, b);
  check_same(load_checkpoint(p), b);
  BOOST_CHECK(dir.names() == std::vector<std::string>{"ckpt.vtck"});
}

BOOST_AUTO_TEST_CASE(stale_temp_cleanup_spares_live_writers_and_other_files) {
  TempDir dir;
  const auto p = dir.file("m.vtck");
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  BOOST_REQUIRE_EQUAL(::waitpid(child, nullptr, 0), child);  // `child` is now a dead pid
  // Temp files are named <filename>.tmp-<pid>-<seq> (atomic_file.hpp).
  spit(dir.file("m.vtck.tmp-" + std::to_string(child) + "-0"), "stale");
  spit(dir.file("m.vtck.tmp-" + std::to_string(::getppid()) + "-0"), "live writer");
  spit(dir.file("other.vtck.tmp-" + std::to_string(child) + "-0"), "another checkpoint's");
  spit(dir.file("m.vtck.tmp-notapid-0"), "not ours");
  save_checkpoint(p, small());
  const auto names = dir.names();
  BOOST_CHECK(std::find(names.begin(), names.end(), "m.vtck.tmp-" + std::to_string(child) + "-0") == names.end());
  BOOST_CHECK(std::find(names.begin(), names.end(), "m.vtck.tmp-" + std::to_string(::getppid()) + "-0") != names.end());
  BOOST_CHECK(std::find(names.begin(), names.end(), "other.vtck.tmp-" + std::to_string(child) + "-0") != names.end());
  BOOST_CHECK(std::find(names.begin(), names.end(), "m.vtck.tmp-notapid-0") != names.end());
}

BOOST_AUTO_TEST_CASE(failing_probe_removes_the_temp_file) {
  TempDir dir;
  const auto p = dir.file("c");
  save_checkpoint(p, small());
  const std::string before = slurp(p);
  BOOST_CHECK_THROW(save_checkpoint(p, big(1), [](std::size_t n) {
                      if (n > 70000) throw std::runtime_error("disk full (simulated)");
                    }),
                    std::runtime_error);
  BOOST_CHECK(slurp(p) == before);
  BOOST_CHECK(!has_temp(dir));
}

BOOST_AUTO_TEST_CASE(unwritable_or_missing_folder) {
  TempDir dir;
  const auto missing = dir.file("no/such/folder/c.vtck");
  expect_error([&] { save_checkpoint(missing, small()); }, {missing.string(), "No such file"});
  BOOST_CHECK(dir.names().empty());

  spit(dir.file("plain"), "x");  // a file used as a folder
  const auto under_file = dir.file("plain") / "c.vtck";
  expect_error([&] { save_checkpoint(under_file, small()); }, {under_file.string(), "Not a directory"});
  BOOST_CHECK(dir.names() == std::vector<std::string>{"plain"});

  if (::geteuid() != 0) {  // root ignores permissions
    const auto ro = dir.file("ro");
    fs::create_directory(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    expect_error([&] { save_checkpoint(ro / "c.vtck", small()); }, {"Permission denied"});
    fs::permissions(ro, fs::perms::owner_all);
    BOOST_CHECK(fs::is_empty(ro));
  }
}

BOOST_AUTO_TEST_CASE(invalid_checkpoints_are_refused_before_writing) {
  TempDir dir;
  const auto p = dir.file("c");
  save_checkpoint(p, small());
  const std::string before = slurp(p);
  Checkpoint bad_meta;
  bad_meta.meta["s"] = std::string("\xff\xfe");  // not UTF-8
  expect_error([&] { save_checkpoint(p, bad_meta); }, {"metadata"});
  Checkpoint dup = small();
  dup.tensors.push_back(dup.tensors.front());
  expect_error([&] { save_checkpoint(p, dup); }, {"duplicate tensor name 'w1'"});
  Checkpoint wrong_len = small();
  wrong_len.tensors[0].bytes.pop_back();
  expect_error([&] { save_checkpoint(p, wrong_len); }, {"'w1'", "expected 16"});
  BOOST_CHECK(slurp(p) == before);
  BOOST_CHECK(dir.names() == std::vector<std::string>{"c"});
}
