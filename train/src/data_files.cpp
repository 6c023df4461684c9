#include "vt/train/data_files.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>

#include "vt/runtime/io/npz.hpp"

namespace vt::train {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------
struct CsvCore {
  CsvOptions csv;
  std::int64_t first_line = 1;     // line number of the text's first line
  std::int64_t class_limit = 0;    // > 0: labels must be below it
  std::string class_limit_why;     // says where the limit comes from
};

[[noreturn]] void fail_at(std::string_view file, std::int64_t line, std::int64_t col, const std::string& what) {
  throw DataError(std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
}

std::string_view trim(std::string_view s, char delimiter) {
  auto blank = [delimiter](char c) { return (c == ' ' || c == '\t') && c != delimiter; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

void split_fields(std::string_view line, char delimiter, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = line.find(delimiter, start);
    if (at == std::string_view::npos) {
      out.push_back(trim(line.substr(start), delimiter));
      return;
    }
    out.push_back(trim(line.substr(start, at - start), delimiter));
    start = at + 1;
  }
}

enum class Num { ok, empty, bad, range, nonfinite };

Num parse_number(std::string_view s, double& v) {
  if (s.empty()) return Num::empty;
  std::string_view t = s;
  if (t.front() == '+') {
    t.remove_prefix(1);
    if (t.empty() || t.front() == '-' || t.front() == '+') return Num::bad;
  }
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
  if (r.ptr != t.data() + t.size()) return Num::bad;
  if (r.ec == std::errc::result_out_of_range) return Num::range;
  if (r.ec != std::errc()) return Num::bad;
  if (!std::isfinite(v)) return Num::nonfinite;
  return Num::ok;
}

// A cell's value, or DataError "FILE:LINE:COL: ...".
double cell(std::string_view cellv, std::string_view file, std::int64_t line, std::int64_t col) {
  double v = 0;
  switch (parse_number(cellv, v)) {
    case Num::ok: return v;
    case Num::empty: fail_at(file, line, col, "empty cell");
    case Num::bad: fail_at(file, line, col, "cannot parse '" + std::string(cellv) + "' as a number");
    case Num::range: fail_at(file, line, col, "value '" + std::string(cellv) + "' is out of range");
    case Num::nonfinite: fail_at(file, line, col, "value '" + std::string(cellv) + "' is not finite");
  }
  fail_at(file, line, col, "internal error");
}

std::string stem_of(std::string_view name) { return fs::path(std::string(name)).stem().string(); }

Dataset parse_core(std::string_view text, std::string_view file, const CsvCore& core) {
  const CsvOptions& o = core.csv;
  Dataset d;
  d.name = stem_of(file);
  if (o.regression) d.targets = 1;

  std::vector<std::string_view> fields;
  std::int64_t line_no = core.first_line - 1;
  std::int64_t ncols = -1, label = -1, first_line_no = 0;
  bool header_seen = false;
  std::int64_t max_label = -1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_blank(line)) continue;
    split_fields(line, o.delimiter, fields);
    const auto n = static_cast<std::int64_t>(fields.size());

    if (ncols < 0) {  // the first non-blank line fixes the column count
      ncols = n;
      first_line_no = line_no;
      label = o.label_column < 0 ? ncols + o.label_column : o.label_column;
      if (label < 0 || label >= ncols)
        fail_at(file, line_no, o.label_column < 0 || o.label_column >= INT64_MAX - 1 ? 1 : o.label_column + 1,
                "label column " + std::to_string(o.label_column) + " is out of range: the row has " +
                    std::to_string(ncols) + " columns (0-based index, negative counts from the end)");
      if (ncols < 2) fail_at(file, line_no, 1, "no feature columns: the row has only the label column");
      d.features = ncols - 1;
      bool header = false;
      if (o.header.has_value()) {
        header = *o.header;
      } else {
        double v = 0;
        header = std::any_of(fields.begin(), fields.end(), [&v](std::string_view f) {
          const Num k = parse_number(f, v);
          return k == Num::bad;
        });
      }
      if (header) {
        header_seen = true;
        continue;
      }
    }
    if (n != ncols)
      fail_at(file, line_no, std::min(n, ncols) + 1,
              "the row has " + std::to_string(n) + " columns, expected " + std::to_string(ncols) + " (as on line " +
                  std::to_string(first_line_no) + ")");
    for (std::int64_t c = 0; c < ncols; ++c) {
      const std::string_view f = fields[static_cast<std::size_t>(c)];
      const double v = cell(f, file, line_no, c + 1);
      if (c != label) {
        d.x.push_back(v);
      } else if (o.regression) {
        d.y.push_back(v);
      } else {
        if (v < 0 || v != std::floor(v))
          fail_at(file, line_no, c + 1, "label '" + std::string(f) + "' is not a non-negative integer");
        const std::int64_t limit = core.class_limit > 0 ? core.class_limit : kMaxClasses;
        if (v >= static_cast<double>(limit))
          fail_at(file, line_no, c + 1,
                  "label '" + std::string(f) + "' is too large (at most " + std::to_string(limit - 1) +
                      (core.class_limit > 0 ? core.class_limit_why : std::string(", so that labels are exact in float")) +
                      ")");
        const auto l = static_cast<std::int64_t>(v);
        max_label = std::max(max_label, l);
        d.labels.push_back(l);
      }
    }
    ++d.rows;
  }
  if (d.rows == 0) {
    if (ncols < 0) fail_at(file, core.first_line, 1, "no data rows (the file is empty)");
    fail_at(file, line_no + 1, 1, header_seen ? "no data rows after the header" : "no data rows");
  }
  if (!o.regression) d.classes = max_label + 1;
  return d;
}

std::string read_text_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw DataError(path.string() + ": cannot open: no such file");
  if (fs::is_directory(path, ec)) throw DataError(path.string() + ": cannot open: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path.string() + ": cannot open: not readable");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw DataError(path.string() + ": read error");
  return s.str();
}

std::string read_gz_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw DataError(path.string() + ": cannot open: no such file");
  gzFile f = gzopen(path.string().c_str(), "rb");
  if (f == nullptr) throw DataError(path.string() + ": cannot open: not readable");
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  // A truncated stream ends like a complete one, but leaves Z_BUF_ERROR
  // ("unexpected end of file") in gzerror (zlib.h, gzread).
  int err = Z_OK;
  const char* msg = gzerror(f, &err);
  if (n < 0 || err != Z_OK) {
    std::string what = msg && *msg ? msg : "error " + std::to_string(err);
    const std::string own = path.string() + ": ";  // zlib prefixes the path itself
    if (what.rfind(own, 0) == 0) what.erase(0, own.size());
    gzclose(f);
    throw DataError(path.string() + ": cannot decompress: " + what);
  }
  if (gzclose(f) != Z_OK) throw DataError(path.string() + ": cannot decompress: error at the end of the stream");
  return out;
}

// ---------------------------------------------------------------------------
// NPZ
// ---------------------------------------------------------------------------
std::string shape_str(const std::vector<std::int64_t>& s) {
  std::string out = "(";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  if (s.size() == 1) out += ",";
  return out + ")";
}

std::string dtype_str(rt::NpyDType t) {
  switch (t) {
    case rt::NpyDType::f32: return "float32";
    case rt::NpyDType::f64: return "float64";
    case rt::NpyDType::i64: return "int64";
  }
  return "?";
}

[[noreturn]] void npz_fail(const std::string& file, const std::string& what) {
  throw DataError(file + ": " + what);
}

std::string fmt(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

Dataset parse_csv(std::string_view text, std::string_view name, const CsvOptions& opts) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark is not a header cell
  CsvCore core;
  core.csv = opts;
  return parse_core(text, name, core);
}

Dataset load_csv(const fs::path& path, const CsvOptions& opts) {
  const std::string text = read_text_file(path);
  return parse_csv(text, path.string(), opts);
}

Dataset load_digits(const fs::path& data_dir) {
  const fs::path path = data_dir / "digits.csv.gz";
  const std::string text = read_gz_file(path);
  CsvCore core;
  core.csv.header = false;
  core.csv.label_column = -1;
  core.class_limit = 10;
  core.class_limit_why = ": digits has classes 0..9";
  Dataset d = parse_core(text, path.string(), core);
  if (d.features != 64)
    throw DataError(path.string() + ": expected 64 pixel columns and the class, found " + std::to_string(d.features) +
                    " + 1 columns");
  d.name = "digits";
  d.classes = 10;
  for (int k = 0; k < 10; ++k) d.class_names.push_back(std::to_string(k));
  return d;
}

Dataset load_iris(const fs::path& data_dir) {
  const fs::path path = data_dir / "iris.csv";
  const std::string file = path.string();
  const std::string text = read_text_file(path);
  // Header: ROWS,FEATURES,NAME...
  std::size_t nl = text.find('\n');
  if (nl == std::string::npos) nl = text.size();
  std::string_view head(text.data(), nl);
  if (!head.empty() && head.back() == '\r') head.remove_suffix(1);
  std::vector<std::string_view> fields;
  split_fields(head, ',', fields);
  if (fields.size() < 3)
    fail_at(file, 1, 1, "expected the header ROWS,FEATURES,CLASS_NAME..., found '" + std::string(head) + "'");
  auto count = [&](std::size_t i) {
    double v = 0;
    if (parse_number(fields[i], v) != Num::ok || v < 1 || v != std::floor(v) || v > 1e12)
      fail_at(file, 1, static_cast<std::int64_t>(i) + 1,
              "expected a positive integer in the header, found '" + std::string(fields[i]) + "'");
    return static_cast<std::int64_t>(v);
  };
  const std::int64_t rows = count(0), features = count(1);
  std::vector<std::string> names;
  for (std::size_t i = 2; i < fields.size(); ++i) {
    if (fields[i].empty()) fail_at(file, 1, static_cast<std::int64_t>(i) + 1, "empty class name");
    names.emplace_back(fields[i]);
  }
  CsvCore core;
  core.csv.header = false;
  core.csv.label_column = -1;
  core.first_line = 2;
  core.class_limit = static_cast<std::int64_t>(names.size());
  core.class_limit_why = ": the header names " + std::to_string(names.size()) + " classes";
  const std::string_view body = nl < text.size() ? std::string_view(text).substr(nl + 1) : std::string_view();
  Dataset d = parse_core(body, file, core);
  if (d.features != features)
    fail_at(file, 1, 2,
            "the header declares " + std::to_string(features) + " features, the rows have " +
                std::to_string(d.features));
  if (d.rows != rows)
    fail_at(file, 1, 1, "the header declares " + std::to_string(rows) + " rows, found " + std::to_string(d.rows));
  d.name = "iris";
  d.classes = static_cast<std::int64_t>(names.size());
  d.class_names = std::move(names);
  return d;
}

Dataset load_npz_dataset(const fs::path& path) {
  const std::string file = path.string();
  rt::NpzEntries entries;
  {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw DataError(file + ": cannot open: no such file");
  }
  try {
    entries = rt::read_npz(file);
  } catch (const rt::NpyError& e) {
    throw DataError(e.what());
  }
  auto find = [&](std::string_view key) -> const rt::NpyArray* {
    for (const auto& [k, a] : entries)
      if (k == key) return &a;
    return nullptr;
  };
  auto fail = [&file](const std::string& what) { npz_fail(file, what); };

  const rt::NpyArray* x = find("x");
  if (!x) {
    std::string found;
    for (const auto& [k, a] : entries) found += (found.empty() ? "'" : ", '") + k + "'";
    fail("no array 'x' (found " + (found.empty() ? std::string("none") : found) + ")");
  }
  if (x->dtype == rt::NpyDType::i64)
    fail("array 'x' has dtype " + dtype_str(x->dtype) + "; expected float32 or float64");
  if (x->shape.size() != 2)
    fail("array 'x' has shape " + shape_str(x->shape) + "; expected 2-D (rows, features)");
  Dataset d;
  d.name = path.stem().string();
  d.rows = x->shape[0];
  d.features = x->shape[1];
  if (d.rows < 1) fail("array 'x' has shape " + shape_str(x->shape) + ": no rows");
  d.x = x->values;
  for (std::int64_t r = 0; r < d.rows; ++r)
    for (std::int64_t c = 0; c < d.features; ++c) {
      const double v = d.x[static_cast<std::size_t>(r * d.features + c)];
      if (!std::isfinite(v))
        fail("array 'x' row " + std::to_string(r + 1) + " column " + std::to_string(c + 1) + " is " + fmt(v) +
             " (not finite)");
    }

  const rt::NpyArray* y = find("y");
  if (y && y->dtype == rt::NpyDType::i64) {
    if (y->shape.size() != 1 || y->shape[0] != d.rows)
      fail("array 'y' of class labels (int64) has shape " + shape_str(y->shape) + "; expected (" +
           std::to_string(d.rows) + ",) to match 'x' " + shape_str(x->shape));
    std::int64_t max_label = -1;
    for (std::size_t i = 0; i < y->ints.size(); ++i) {
      const std::int64_t l = y->ints[i];
      if (l < 0 || l >= kMaxClasses)
        fail("array 'y' element " + std::to_string(i + 1) + " is " + std::to_string(l) +
             "; class labels must be in [0, 2^24)");
      max_label = std::max(max_label, l);
    }
    d.labels = y->ints;
    d.classes = max_label + 1;
    if (const rt::NpyArray* k = find("classes")) {
      if (k->dtype != rt::NpyDType::i64 || k->ints.size() != 1)
        fail("array 'classes' has dtype " + dtype_str(k->dtype) + " and shape " + shape_str(k->shape) +
             "; expected an int64 scalar");
      const std::int64_t c = k->ints[0];
      if (c <= max_label || c > kMaxClasses)
        fail("array 'classes' is " + std::to_string(c) + "; expected a count in [" + std::to_string(max_label + 1) +
             ", 2^24] (above every label)");
      d.classes = c;
    }
  } else if (y) {
    if (y->shape.empty() || y->shape.size() > 2 || y->shape[0] != d.rows)
      fail("array 'y' of regression targets (" + dtype_str(y->dtype) + ") has shape " + shape_str(y->shape) +
           "; expected (" + std::to_string(d.rows) + ",) or (" + std::to_string(d.rows) +
           ", targets) to match 'x' " + shape_str(x->shape));
    d.targets = y->shape.size() == 1 ? 1 : y->shape[1];
    if (d.targets < 1) fail("array 'y' has shape " + shape_str(y->shape) + ": no targets");
    d.y = y->values;
    for (std::int64_t r = 0; r < d.rows; ++r)
      for (std::int64_t c = 0; c < d.targets; ++c) {
        const double v = d.y[static_cast<std::size_t>(r * d.targets + c)];
        if (!std::isfinite(v))
          fail("array 'y' row " + std::to_string(r + 1) + " column " + std::to_string(c + 1) + " is " + fmt(v) +
               " (not finite)");
      }
  }
  return d;
}

void save_npz_dataset(const fs::path& path, const Dataset& d) {
  d.validate();
  rt::NpzEntries e;
  rt::NpyArray x;
  x.dtype = rt::NpyDType::f64;
  x.shape = {d.rows, d.features};
  x.values = d.x;
  e.emplace_back("x", std::move(x));
  if (d.classes > 0) {
    rt::NpyArray y;
    y.dtype = rt::NpyDType::i64;
    y.shape = {d.rows};
    y.ints = d.labels;
    e.emplace_back("y", std::move(y));
    rt::NpyArray k;
    k.dtype = rt::NpyDType::i64;
    k.shape = {};
    k.ints = {d.classes};
    e.emplace_back("classes", std::move(k));
  } else if (d.targets > 0) {
    rt::NpyArray y;
    y.dtype = rt::NpyDType::f64;
    y.shape = d.targets == 1 ? std::vector<std::int64_t>{d.rows} : std::vector<std::int64_t>{d.rows, d.targets};
    y.values = d.y;
    e.emplace_back("y", std::move(y));
  }
  rt::write_npz(path.string(), e);
}

}  // namespace vt::train
