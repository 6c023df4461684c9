#define BOOST_TEST_MODULE train_data_files
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "vt/train/data_files.hpp"
#include "vt/runtime/io/npz.hpp"
#include "train/tests/support.hpp"

namespace fs = std::filesystem;
using namespace vt::train;
using namespace vt::train::testing;

namespace {

// The DataError message of load_csv on TEXT written to a temp file, with the
// file's path replaced by "F".
std::string csv_error(const std::string& text, const CsvOptions& o = {}) {
  TempDir dir;
  const fs::path p = dir.write("t.csv", text);
  std::string m = message_of<DataError>([&] { (void)vt::train::load_csv(p, o); });
  const std::string prefix = p.string();
  if (m.rfind(prefix, 0) == 0) m = "F" + m.substr(prefix.size());
  return m;
}

std::vector<std::uint64_t> bits(const std::vector<double>& v) {
  std::vector<std::uint64_t> out;
  for (double d : v) out.push_back(std::bit_cast<std::uint64_t>(d));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(csv)

BOOST_AUTO_TEST_CASE(header_auto_detect_explicit) {
  TempDir dir;
  const auto with = dir.write("with.csv", "a,b,label\n1,2,0\n3.5,-4,1\n");
  const auto without = dir.write("without.csv", "1,2,0\n3.5,-4,1\n");
  for (const auto& [path, header] : {std::pair{with, std::optional<bool>{}}, std::pair{with, std::optional{true}},
                                     std::pair{without, std::optional<bool>{}}, std::pair{without, std::optional{false}}}) {
    CsvOptions o;
    o.header = header;
    const Dataset d = vt::train::load_csv(path, o);
    BOOST_CHECK_EQUAL(d.rows, 2);
    BOOST_CHECK_EQUAL(d.features, 2);
    BOOST_CHECK_EQUAL(d.classes, 2);
    const std::vector<double> want{1, 2, 3.5, -4};
    BOOST_CHECK_EQUAL_COLLECTIONS(d.x.begin(), d.x.end(), want.begin(), want.end());
    BOOST_CHECK_EQUAL(d.labels[0], 0);
    BOOST_CHECK_EQUAL(d.labels[1], 1);
  }
  BOOST_CHECK_EQUAL(vt::train::load_csv(with).name, "with");
  // header = true on a file without one drops the first row
  CsvOptions o;
  o.header = true;
  const Dataset d = vt::train::load_csv(without, o);
  BOOST_CHECK_EQUAL(d.rows, 1);
  BOOST_CHECK_EQUAL(d.x[0], 3.5);
  // header = false on a file with one: the header is bad data
  o.header = false;
  BOOST_CHECK_EQUAL(csv_error("a,b,label\n1,2,0\n", o), "F:1:1: cannot parse 'a' as a number");
}

BOOST_AUTO_TEST_CASE(label_column_first_middle_last) {
  const std::string text = "10,11,12\n20,21,22\n";
  auto load = [&](std::int64_t col) {
    CsvOptions o;
    o.label_column = col;
    return vt::train::parse_csv(text, "mem.csv", o);
  };
  // a file whose first and last columns are valid labels
  const std::string small = "0,11,2\n1,21,0\n";
  auto load_small = [&](std::int64_t col) {
    CsvOptions o;
    o.label_column = col;
    return vt::train::parse_csv(small, "mem.csv", o);
  };
  {
    const Dataset d = load_small(0);
    const std::vector<double> want{11, 2, 21, 0};
    BOOST_CHECK_EQUAL_COLLECTIONS(d.x.begin(), d.x.end(), want.begin(), want.end());
    BOOST_CHECK_EQUAL(d.labels[0], 0);
    BOOST_CHECK_EQUAL(d.labels[1], 1);
    BOOST_CHECK_EQUAL(d.classes, 2);
  }
  for (std::int64_t col : {-1, 2}) {
    const Dataset d = load_small(col);
    const std::vector<double> want{0, 11, 1, 21};
    BOOST_CHECK_EQUAL_COLLECTIONS(d.x.begin(), d.x.end(), want.begin(), want.end());
    BOOST_CHECK_EQUAL(d.labels[0], 2);
    BOOST_CHECK_EQUAL(d.labels[1], 0);
    BOOST_CHECK_EQUAL(d.classes, 3);
  }
  for (std::int64_t col : {1, -2}) {
    const Dataset d = load(col);
    const std::vector<double> want{10, 12, 20, 22};
    BOOST_CHECK_EQUAL_COLLECTIONS(d.x.begin(), d.x.end(), want.begin(), want.end());
    BOOST_CHECK_EQUAL(d.labels[0], 11);
    BOOST_CHECK_EQUAL(d.labels[1], 21);
    BOOST_CHECK_EQUAL(d.classes, 22);
    BOOST_CHECK_EQUAL(d.name, "mem");
  }
}

BOOST_AUTO_TEST_CASE(regression_targets) {
  CsvOptions o;
  o.regression = true;
  o.label_column = 0;
  const Dataset d = vt::train::parse_csv("y,x1,x2\n-1.5,1,2\n2.25,3,4\n1e-3,5,6\n", "r.csv", o);
  BOOST_CHECK(!d.is_classification());
  BOOST_CHECK_EQUAL(d.targets, 1);
  BOOST_CHECK_EQUAL(d.classes, 0);
  BOOST_CHECK(d.labels.empty());
  const std::vector<double> want_y{-1.5, 2.25, 1e-3};
  BOOST_CHECK_EQUAL_COLLECTIONS(d.y.begin(), d.y.end(), want_y.begin(), want_y.end());
  BOOST_CHECK_EQUAL(d.x.size(), 6u);
  BOOST_CHECK_NO_THROW(d.validate());
}

BOOST_AUTO_TEST_CASE(lenient_formatting) {
  // CRLF, blank lines, spaces around fields, '+' signs, "2.0" labels, no final newline
  const Dataset d = vt::train::parse_csv("\r\n 1 , +2.5 ,0\r\n\r\n3,\t4e1,2.0", "f.csv");
  BOOST_CHECK_EQUAL(d.rows, 2);
  const std::vector<double> want{1, 2.5, 3, 40};
  BOOST_CHECK_EQUAL_COLLECTIONS(d.x.begin(), d.x.end(), want.begin(), want.end());
  BOOST_CHECK_EQUAL(d.labels[1], 2);
  CsvOptions o;
  o.delimiter = ';';
  const Dataset s = vt::train::parse_csv("1;2;1\n3;4;0\n", "s.csv", o);
  BOOST_CHECK_EQUAL(s.features, 2);
  BOOST_CHECK_EQUAL(s.labels[0], 1);
}

BOOST_AUTO_TEST_CASE(malformed_inputs_name_file_line_column) {
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,abc,1\n"), "F:2:2: cannot parse 'abc' as a number");
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,4\n"), "F:2:3: the row has 2 columns, expected 3 (as on line 1)");
  BOOST_CHECK_EQUAL(csv_error("x,y,c\n1,2,0\n\n3,4,5,6\n"),
                    "F:4:4: the row has 4 columns, expected 3 (as on line 1)");
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,4,-1\n"), "F:2:3: label '-1' is not a non-negative integer");
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,4,2.5\n"), "F:2:3: label '2.5' is not a non-negative integer");
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,4,16777216\n"),
                    "F:2:3: label '16777216' is too large (at most 16777215, so that labels are exact in float)");
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,nan,1\n"), "F:2:2: value 'nan' is not finite");
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,-inf,1\n"), "F:2:2: value '-inf' is not finite");
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,4,nan\n"), "F:2:3: value 'nan' is not finite");
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,1e999,1\n"), "F:2:2: value '1e999' is out of range");
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n3,,1\n"), "F:2:2: empty cell");
  BOOST_CHECK_EQUAL(csv_error(""), "F:1:1: no data rows (the file is empty)");
  BOOST_CHECK_EQUAL(csv_error("\n  \n"), "F:1:1: no data rows (the file is empty)");
  BOOST_CHECK_EQUAL(csv_error("a,b,c\n"), "F:2:1: no data rows after the header");
  BOOST_CHECK_EQUAL(csv_error("5\n6\n"), "F:1:1: no feature columns: the row has only the label column");
  CsvOptions o;
  o.label_column = 3;
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n", o),
                    "F:1:4: label column 3 is out of range: the row has 3 columns (0-based index, negative counts "
                    "from the end)");
  o.label_column = -4;
  BOOST_CHECK_EQUAL(csv_error("1,2,0\n", o),
                    "F:1:1: label column -4 is out of range: the row has 3 columns (0-based index, negative counts "
                    "from the end)");
  o = {};
  o.regression = true;
  BOOST_CHECK_EQUAL(csv_error("1,2,0.5\n3,4,inf\n", o), "F:2:3: value 'inf' is not finite");
}

BOOST_AUTO_TEST_CASE(missing_file) {
  TempDir dir;
  const fs::path p = dir.file("nope.csv");
  BOOST_CHECK_EQUAL(message_of<DataError>([&] { (void)vt::train::load_csv(p); }),
                    p.string() + ": cannot open: no such file");
  BOOST_CHECK_EQUAL(message_of<DataError>([&] { (void)vt::train::load_csv(dir.path()); }),
                    dir.path().string() + ": cannot open: it is a directory");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// Bundled data
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(bundled)

BOOST_AUTO_TEST_CASE(digits) {
  const Dataset d = vt::train::load_digits(source_path("data"));
  BOOST_REQUIRE_EQUAL(d.rows, 1797);
  BOOST_REQUIRE_EQUAL(d.features, 64);
  BOOST_CHECK_EQUAL(d.classes, 10);
  BOOST_CHECK_EQUAL(d.name, "digits");
  BOOST_REQUIRE_EQUAL(d.class_names.size(), 10u);
  BOOST_CHECK_EQUAL(d.class_names[0], "0");
  BOOST_CHECK_EQUAL(d.class_names[9], "9");
  BOOST_CHECK_NO_THROW(d.validate());
  // scikit-learn's class counts
  std::vector<std::int64_t> counts(10, 0);
  for (auto l : d.labels) ++counts[static_cast<std::size_t>(l)];
  const std::vector<std::int64_t> want{178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
  BOOST_CHECK_EQUAL_COLLECTIONS(counts.begin(), counts.end(), want.begin(), want.end());
  // checksums of the pixels: plain, weighted by column, weighted by row
  double sum = 0, by_col = 0, by_row = 0;
  for (std::int64_t r = 0; r < d.rows; ++r)
    for (std::int64_t j = 0; j < 64; ++j) {
      const double v = d.x[r * 64 + j];
      BOOST_REQUIRE(v >= 0 && v <= 16 && v == std::floor(v));
      sum += v;
      by_col += v * static_cast<double>(j + 1);
      by_row += v * static_cast<double>(r + 1);
    }
  BOOST_CHECK_EQUAL(sum, 561718.0);
  BOOST_CHECK_EQUAL(by_col, 18222371.0);
  BOOST_CHECK_EQUAL(by_row, 503904265.0);
  BOOST_CHECK_EQUAL(d.labels[0], 0);
  BOOST_CHECK_EQUAL(d.labels[1], 1);
  BOOST_CHECK_EQUAL(d.x[2], 5.0);
  BOOST_CHECK_EQUAL(d.x[3], 13.0);
}

BOOST_AUTO_TEST_CASE(iris) {
  const Dataset d = vt::train::load_iris(source_path("data"));
  BOOST_REQUIRE_EQUAL(d.rows, 150);
  BOOST_REQUIRE_EQUAL(d.features, 4);
  BOOST_CHECK_EQUAL(d.classes, 3);
  BOOST_CHECK_EQUAL(d.name, "iris");
  const std::vector<std::string> names{"setosa", "versicolor", "virginica"};
  BOOST_CHECK_EQUAL_COLLECTIONS(d.class_names.begin(), d.class_names.end(), names.begin(), names.end());
  BOOST_CHECK_NO_THROW(d.validate());
  std::vector<std::int64_t> counts(3, 0);
  for (auto l : d.labels) ++counts[static_cast<std::size_t>(l)];
  for (auto c : counts) BOOST_CHECK_EQUAL(c, 50);
  // per-feature sums (in tenths: the data has one decimal)
  const std::vector<long> want{8765, 4586, 5637, 1799};
  for (int j = 0; j < 4; ++j) {
    long tenths = 0;
    for (std::int64_t r = 0; r < 150; ++r) tenths += std::lround(d.x[r * 4 + j] * 10);
    BOOST_CHECK_EQUAL(tenths, want[j]);
  }
  const std::vector<double> first{5.1, 3.5, 1.4, 0.2};
  BOOST_CHECK_EQUAL_COLLECTIONS(d.x.begin(), d.x.begin() + 4, first.begin(), first.end());
  BOOST_CHECK_EQUAL(d.labels[149], 2);
}

BOOST_AUTO_TEST_CASE(iris_errors) {
  const std::string real = slurp(source_path("data") / "iris.csv");
  TempDir dir;
  const std::string file = dir.file("iris.csv").string();
  auto error_with = [&](const std::string& text) {
    dir.write("iris.csv", text);
    return message_of<DataError>([&] { (void)vt::train::load_iris(dir.path()); });
  };
  // header row count wrong
  BOOST_CHECK_EQUAL(error_with("149" + real.substr(3)), file + ":1:1: the header declares 149 rows, found 150");
  // a label beyond the named classes (line 3 = second data row)
  std::string bad = real;
  const std::size_t l3 = bad.find('\n', bad.find('\n') + 1);  // end of line 2
  const std::size_t end3 = bad.find('\n', l3 + 1);
  bad[end3 - 1] = '3';
  BOOST_CHECK_EQUAL(error_with(bad), file + ":3:5: label '3' is too large (at most 2: the header names 3 classes)");
  BOOST_CHECK_EQUAL(error_with("150,four,a,b\n"),
                    file + ":1:2: expected a positive integer in the header, found 'four'");
  BOOST_CHECK_EQUAL(error_with("1,2,a,b\n1,2,3,0\n"), file + ":1:2: the header declares 2 features, the rows have 3");
  fs::remove(dir.file("iris.csv"));
  BOOST_CHECK_EQUAL(message_of<DataError>([&] { (void)vt::train::load_iris(dir.path()); }),
                    file + ": cannot open: no such file");
}

BOOST_AUTO_TEST_CASE(digits_errors) {
  TempDir dir;
  const std::string file = dir.file("digits.csv.gz").string();
  BOOST_CHECK_EQUAL(message_of<DataError>([&] { (void)vt::train::load_digits(dir.path()); }),
                    file + ": cannot open: no such file");
  // truncated gzip
  const std::string real = slurp(source_path("data") / "digits.csv.gz");
  dir.write("digits.csv.gz", real.substr(0, real.size() / 2));
  const std::string m = message_of<DataError>([&] { (void)vt::train::load_digits(dir.path()); });
  BOOST_CHECK_EQUAL(m, file + ": cannot decompress: unexpected end of file");
  // plain text is read as is (zlib's transparent mode); a class 10 is refused
  std::string row;
  for (int j = 0; j < 64; ++j) row += "0,";
  dir.write("digits.csv.gz", row + "10\n");
  BOOST_CHECK_EQUAL(message_of<DataError>([&] { (void)vt::train::load_digits(dir.path()); }),
                    file + ":1:65: label '10' is too large (at most 9: digits has classes 0..9)");
  dir.write("digits.csv.gz", "1,2,3\n");
  BOOST_CHECK_EQUAL(message_of<DataError>([&] { (void)vt::train::load_digits(dir.path()); }),
                    file + ": expected 64 pixel columns and the class, found 2 + 1 columns");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// NPZ
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(npz)

void check_same(const Dataset& a, const Dataset& b) {
  BOOST_CHECK_EQUAL(a.rows, b.rows);
  BOOST_CHECK_EQUAL(a.features, b.features);
  BOOST_CHECK_EQUAL(a.classes, b.classes);
  BOOST_CHECK_EQUAL(a.targets, b.targets);
  BOOST_CHECK(bits(a.x) == bits(b.x));
  BOOST_CHECK(bits(a.y) == bits(b.y));
  BOOST_CHECK(a.labels == b.labels);
}

BOOST_AUTO_TEST_CASE(round_trip_bitwise) {
  TempDir dir;
  Dataset c;
  c.name = "c";
  c.rows = 3;
  c.features = 2;
  c.x = {0.1, -0.0, std::numeric_limits<double>::denorm_min(), 1e308, -1.0 / 3.0, 2.0};
  c.classes = 7;  // more than max label + 1: kept through the "classes" array
  c.labels = {0, 3, 1};
  vt::train::save_npz_dataset(dir.file("c.npz"), c);
  const Dataset c2 = vt::train::load_npz_dataset(dir.file("c.npz"));
  check_same(c, c2);
  BOOST_CHECK_EQUAL(c2.name, "c");

  Dataset r1;
  r1.rows = 2;
  r1.features = 1;
  r1.x = {1.5, -2.5};
  r1.targets = 1;
  r1.y = {0.7, -1e-300};
  vt::train::save_npz_dataset(dir.file("r1.npz"), r1);
  check_same(r1, vt::train::load_npz_dataset(dir.file("r1.npz")));
  const auto e1 = vt::rt::read_npz(dir.file("r1.npz").string());
  BOOST_REQUIRE_EQUAL(e1.size(), 2u);
  BOOST_CHECK(e1[1].second.shape == std::vector<std::int64_t>{2});  // one target: 1-D, as sklearn

  Dataset r3 = r1;
  r3.targets = 3;
  r3.y = {1, 2, 3, 4, 5, 0.1};
  vt::train::save_npz_dataset(dir.file("r3.npz"), r3);
  check_same(r3, vt::train::load_npz_dataset(dir.file("r3.npz")));

  Dataset u;
  u.rows = 1;
  u.features = 3;
  u.x = {1, 2, 3};
  vt::train::save_npz_dataset(dir.file("u.npz"), u);
  check_same(u, vt::train::load_npz_dataset(dir.file("u.npz")));

  const Dataset iris = vt::train::load_iris(source_path("data"));
  vt::train::save_npz_dataset(dir.file("iris.npz"), iris);
  check_same(iris, vt::train::load_npz_dataset(dir.file("iris.npz")));

  Dataset bad = c;
  bad.labels[1] = 9;
  BOOST_CHECK_THROW(vt::train::save_npz_dataset(dir.file("bad.npz"), bad), DataError);
  BOOST_CHECK(!fs::exists(dir.file("bad.npz")));
}

BOOST_AUTO_TEST_CASE(float32_x_and_classes_from_max_label) {
  TempDir dir;
  vt::rt::NpyArray x{vt::rt::NpyDType::f32, {2, 2}, {0.5, 0.25, -1, 3}, {}};
  vt::rt::NpyArray y{vt::rt::NpyDType::i64, {2}, {}, {0, 4}};
  vt::rt::write_npz(dir.file("a.npz").string(), {{"x", x}, {"y", y}});
  const Dataset d = vt::train::load_npz_dataset(dir.file("a.npz"));
  BOOST_CHECK_EQUAL(d.classes, 5);
  BOOST_CHECK_EQUAL(d.x[1], 0.25);
  BOOST_CHECK_NO_THROW(d.validate());
}

BOOST_AUTO_TEST_CASE(wrong_dtype_rank_and_values) {
  TempDir dir;
  const std::string f = dir.file("e.npz").string();
  using vt::rt::NpyArray;
  using vt::rt::NpyDType;
  const NpyArray x{NpyDType::f64, {2, 2}, {1, 2, 3, 4}, {}};
  const NpyArray y{NpyDType::i64, {2}, {}, {0, 1}};
  auto err = [&](const vt::rt::NpzEntries& e) {
    vt::rt::write_npz(f, e);
    return message_of<DataError>([&] { (void)vt::train::load_npz_dataset(f); });
  };
  BOOST_CHECK_EQUAL(err({{"x", NpyArray{NpyDType::i64, {2, 2}, {}, {1, 2, 3, 4}}}, {"y", y}}),
                    f + ": array 'x' has dtype int64; expected float32 or float64");
  BOOST_CHECK_EQUAL(err({{"x", NpyArray{NpyDType::f64, {4}, {1, 2, 3, 4}, {}}}, {"y", y}}),
                    f + ": array 'x' has shape (4,); expected 2-D (rows, features)");
  BOOST_CHECK_EQUAL(err({{"x", NpyArray{NpyDType::f64, {0, 2}, {}, {}}}}),
                    f + ": array 'x' has shape (0, 2): no rows");
  BOOST_CHECK_EQUAL(err({{"y", y}, {"z", y}}), f + ": no array 'x' (found 'y', 'z')");
  BOOST_CHECK_EQUAL(err({{"x", x}, {"y", NpyArray{NpyDType::i64, {2, 1}, {}, {0, 1}}}}),
                    f + ": array 'y' of class labels (int64) has shape (2, 1); expected (2,) to match 'x' (2, 2)");
  BOOST_CHECK_EQUAL(err({{"x", x}, {"y", NpyArray{NpyDType::i64, {3}, {}, {0, 1, 1}}}}),
                    f + ": array 'y' of class labels (int64) has shape (3,); expected (2,) to match 'x' (2, 2)");
  BOOST_CHECK_EQUAL(err({{"x", x}, {"y", NpyArray{NpyDType::i64, {2}, {}, {0, -1}}}}),
                    f + ": array 'y' element 2 is -1; class labels must be in [0, 2^24)");
  BOOST_CHECK_EQUAL(err({{"x", x}, {"y", NpyArray{NpyDType::f32, {2, 1, 1}, {0, 1}, {}}}}),
                    f + ": array 'y' of regression targets (float32) has shape (2, 1, 1); expected (2,) or (2, "
                        "targets) to match 'x' (2, 2)");
  BOOST_CHECK_EQUAL(err({{"x", NpyArray{NpyDType::f64, {2, 2}, {1, 2, std::nan(""), 4}, {}}}, {"y", y}}),
                    f + ": array 'x' row 2 column 1 is nan (not finite)");
  BOOST_CHECK_EQUAL(err({{"x", x}, {"y", y}, {"classes", NpyArray{NpyDType::i64, {}, {}, {1}}}}),
                    f + ": array 'classes' is 1; expected a count in [2, 2^24] (above every label)");
  BOOST_CHECK_EQUAL(err({{"x", x}, {"y", y}, {"classes", NpyArray{NpyDType::f64, {}, {3}, {}}}}),
                    f + ": array 'classes' has dtype float64 and shape (); expected an int64 scalar");
  // not an archive, and missing: DataError naming the file
  {
    std::ofstream(f, std::ios::binary) << "not a zip";
  }
  const std::string m = message_of<DataError>([&] { (void)vt::train::load_npz_dataset(f); });
  BOOST_CHECK_EQUAL(m.rfind(f + ": ", 0), 0u);
  fs::remove(f);
  BOOST_CHECK_EQUAL(message_of<DataError>([&] { (void)vt::train::load_npz_dataset(f); }),
                    f + ": cannot open: no such file");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(a_utf8_byte_order_mark_is_not_a_header) {
  // Spreadsheet exports start with EF BB BF; auto-detection must not take
  // the first data row for a header because of it.
  const vt::train::Dataset d = vt::train::parse_csv("\xEF\xBB\xBF" "1,2,0\n3,4,1\n", "bom.csv", {});
  BOOST_CHECK_EQUAL(d.rows, 2);
  BOOST_CHECK_EQUAL(d.x[0], 1.0);
}
