#define BOOST_TEST_MODULE train_svg_plot
#include <boost/test/unit_test.hpp>

#include <clocale>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "vt/train/svg_plot.hpp"
#include "train/tests/support.hpp"

namespace fs = std::filesystem;
using namespace vt::train;
using namespace vt::train::testing;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A tiny XML well-formedness checker: balanced and properly nested tags, one
// root element <svg>, quoted attributes, no raw '<' or stray '&' in text.
// Returns "" when fine, else what is wrong.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  int roots = 0;
  std::size_t i = 0;
  auto entity_ok = [&](std::size_t at) {
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
      if (s.compare(at, std::strlen(e), e) == 0) return true;
    return false;  // numeric references are never written
  };
  while (i < s.size()) {
    if (s[i] == '&' && !entity_ok(i)) return "stray '&' at " + std::to_string(i);
    if (s[i] == '>') return "stray '>' at " + std::to_string(i);
    if (s[i] != '<') {
      ++i;
      continue;
    }
    if (s.compare(i, 5, "<?xml") == 0) {
      if (i != 0) return "xml declaration not at the start";
      const auto e = s.find("?>", i);
      if (e == std::string::npos) return "unterminated declaration";
      i = e + 2;
      continue;
    }
    if (s.compare(i, 4, "<!--") == 0) {
      const auto e = s.find("-->", i);
      if (e == std::string::npos) return "unterminated comment";
      i = e + 3;
      continue;
    }
    const bool closing = s[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == ':')) ++j;
    const std::string name = s.substr(name_start, j - name_start);
    if (name.empty()) return "tag without a name at " + std::to_string(i);
    // Attributes: name="value" pairs.
    bool self_closing = false;
    for (;;) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j >= s.size()) return "unterminated tag <" + name;
      if (s[j] == '>') {
        ++j;
        break;
      }
      if (s.compare(j, 2, "/>") == 0 && !closing) {
        self_closing = true;
        j += 2;
        break;
      }
      if (closing) return "attributes in a closing tag </" + name;
      const std::size_t a = j;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == ':')) ++j;
      if (j == a || j + 1 >= s.size() || s[j] != '=' || (s[j + 1] != '"' && s[j + 1] != '\''))
        return "bad attribute in <" + name + " at " + std::to_string(j);
      const char q = s[j + 1];
      const auto e = s.find(q, j + 2);
      if (e == std::string::npos) return "unterminated attribute value";
      const std::string value = s.substr(j + 2, e - j - 2);
      if (value.find('<') != std::string::npos) return "'<' in an attribute value";
      j = e + 1;
    }
    if (closing) {
      if (stack.empty() || stack.back() != name) return "</" + name + "> does not close <" + (stack.empty() ? "" : stack.back()) + ">";
      stack.pop_back();
    } else {
      if (stack.empty()) ++roots;
      if (stack.empty() && name != "svg") return "root element is <" + name + ">";
      if (!self_closing) stack.push_back(name);
    }
    i = j;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (roots != 1) return std::to_string(roots) + " root elements";
  return "";
}

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

// Every start tag `<name ...>` (or `<name .../>`) in the document.
std::vector<std::string> tags(const std::string& svg, const std::string& name) {
  std::vector<std::string> out;
  const std::string open = "<" + name + " ";
  for (auto at = svg.find(open); at != std::string::npos; at = svg.find(open, at + 1))
    out.push_back(svg.substr(at, svg.find('>', at) - at + 1));
  return out;
}

// The value of attribute `name` in a tag, or "" when absent.
std::string attr(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const auto at = tag.find(key);
  if (at == std::string::npos) return "";
  const auto start = at + key.size();
  return tag.substr(start, tag.find('"', start) - start);
}

// The point lists of the polylines of series `k` (in the whole document).
std::vector<std::vector<std::pair<double, double>>> polylines(const std::string& svg, int k) {
  std::vector<std::vector<std::pair<double, double>>> out;
  for (const auto& tag : tags(svg, "polyline")) {
    if (attr(tag, "data-series") != std::to_string(k)) continue;
    std::vector<std::pair<double, double>> pts;
    std::istringstream in(attr(tag, "points"));
    std::string tok;
    while (in >> tok) {
      const auto comma = tok.find(',');
      BOOST_REQUIRE(comma != std::string::npos);
      pts.emplace_back(std::stod(tok.substr(0, comma)), std::stod(tok.substr(comma + 1)));
    }
    out.push_back(pts);
  }
  return out;
}

void check_clean(const std::string& svg) {
  BOOST_CHECK_EQUAL(xml_problem(svg), "");
  std::string lower = svg;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  BOOST_CHECK_MESSAGE(lower.find("nan") == std::string::npos, "NaN written into the SVG");
  BOOST_CHECK_MESSAGE(lower.find("inf") == std::string::npos, "inf written into the SVG");
  BOOST_CHECK(svg.find("<script") == std::string::npos);
  BOOST_CHECK(svg.find("href") == std::string::npos);  // nothing external
  BOOST_CHECK(svg.find("@import") == std::string::npos);
}

std::vector<Panel> training_panels() {
  std::vector<double> epochs, train, val, acc;
  for (int e = 1; e <= 20; ++e) {
    epochs.push_back(e);
    train.push_back(2.3 * std::exp(-0.2 * e));
    val.push_back(2.4 * std::exp(-0.18 * e) + 0.05);
    acc.push_back(0.1 + 0.85 * (1 - std::exp(-0.3 * e)));
  }
  return {Panel{"Loss", "epoch", "cross-entropy", {{"train", epochs, train}, {"validation", epochs, val}}, true},
          Panel{"Accuracy", "epoch", "accuracy", {{"validation", epochs, acc}}, false}};
}

bool near(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

void check_ticks(const Ticks& t, double lo, double hi, double step, std::size_t n) {
  BOOST_CHECK_MESSAGE(near(t.axis_lo, lo), "axis_lo " << t.axis_lo << " != " << lo);
  BOOST_CHECK_MESSAGE(near(t.axis_hi, hi), "axis_hi " << t.axis_hi << " != " << hi);
  BOOST_CHECK_MESSAGE(near(t.step, step), "step " << t.step << " != " << step);
  BOOST_CHECK_EQUAL(t.values.size(), n);
}

}  // namespace

// ---------------------------------------------------------------------------
// Ticks
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(nice_tick_steps) {
  const Ticks t = nice_ticks(0, 0.93);
  check_ticks(t, 0, 1.0, 0.2, 6);
  const double want[] = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
  for (std::size_t i = 0; i < 6; ++i) BOOST_CHECK_EQUAL(t.values[i], want[i]);  // exactly the nearest doubles
  check_ticks(nice_ticks(0, 1), 0, 1, 0.2, 6);
  check_ticks(nice_ticks(1, 20), 0, 20, 5, 5);
  check_ticks(nice_ticks(-3, 7), -4, 8, 2, 7);
  check_ticks(nice_ticks(0.001, 0.0093), 0, 0.01, 0.002, 6);
  check_ticks(nice_ticks(0, 1e9), 0, 1e9, 2e8, 6);
  check_ticks(nice_ticks(0.12, 0.48), 0.1, 0.5, 0.1, 5);
  check_ticks(nice_ticks(-0.93, -0.1), -1.0, 0, 0.2, 6);
  check_ticks(nice_ticks(0, 100, 10), 0, 100, 10, 11);
  check_ticks(nice_ticks(0, 60), 0, 60, 20, 4);  // 60/5 = 12 -> step 20 (smallest nice step >= 12)
  // Degenerate ranges are widened, never divided by zero.
  check_ticks(nice_ticks(5, 5), 4.4, 5.6, 0.2, 7);
  check_ticks(nice_ticks(0, 0), -1, 1, 0.5, 5);
  check_ticks(nice_ticks(-2, -2), -2.2, -1.8, 0.1, 5);
  for (double v : {1e-300, 5e-324, 1e300, -1e300, 123456789.123}) {
    const Ticks d = nice_ticks(v, v);
    BOOST_CHECK_MESSAGE(d.axis_lo < d.axis_hi && std::isfinite(d.axis_lo) && std::isfinite(d.axis_hi), v);
    BOOST_CHECK_LE(d.axis_lo, v);
    BOOST_CHECK_GE(d.axis_hi, v);
  }
  BOOST_CHECK_THROW(nice_ticks(1, 0), std::invalid_argument);
  BOOST_CHECK_THROW(nice_ticks(kNaN, 1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(nice_ticks_properties_on_random_ranges) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> mant(-10, 10);
  std::uniform_int_distribution<int> ex(-8, 8);
  for (int i = 0; i < 2000; ++i) {
    double a = mant(rng) * std::pow(10.0, ex(rng));
    double b = a + std::abs(mant(rng)) * std::pow(10.0, ex(rng));
    const Ticks t = nice_ticks(a, b);
    BOOST_REQUIRE_GE(t.values.size(), 2u);
    BOOST_CHECK_LE(t.axis_lo, a + 1e-9 * std::abs(t.step));
    BOOST_CHECK_GE(t.axis_hi, b - 1e-9 * std::abs(t.step));
    BOOST_CHECK_LE(t.values.size(), 5u + 3u);
    // The step is 1, 2 or 5 times a power of ten.
    const double k = std::floor(std::log10(t.step) + 1e-9);
    const double m = t.step / std::pow(10.0, k);
    BOOST_CHECK_MESSAGE(near(m, 1) || near(m, 2) || near(m, 5), "step " << t.step);
    for (std::size_t j = 1; j < t.values.size(); ++j)
      BOOST_CHECK(std::abs(t.values[j] - t.values[j - 1] - t.step) <= 1e-9 * t.step + 1e-15 * std::abs(t.values[j]));
  }
}

BOOST_AUTO_TEST_CASE(log_tick_decades) {
  const Ticks t = log_ticks(0.003, 2);
  check_ticks(t, 0.001, 10, 1, 5);
  BOOST_CHECK_EQUAL(t.values[0], 0.001);
  BOOST_CHECK_EQUAL(t.values[1], 0.01);
  BOOST_CHECK_EQUAL(t.values[2], 0.1);
  check_ticks(log_ticks(1e-10, 1e10), 1e-12, 1e12, 4, 7);
  check_ticks(log_ticks(0.5, 0.5), 0.1, 1, 1, 2);
  check_ticks(log_ticks(10, 10), 10, 100, 1, 2);
  BOOST_CHECK_THROW(log_ticks(0, 1), std::invalid_argument);
  BOOST_CHECK_THROW(log_ticks(-1, 1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(tick_labels) {
  BOOST_CHECK_EQUAL(format_tick(0.6000000000000001, 0.2), "0.6");
  BOOST_CHECK_EQUAL(format_tick(1.0, 0.2), "1.0");
  BOOST_CHECK_EQUAL(format_tick(15, 5), "15");
  BOOST_CHECK_EQUAL(format_tick(0.05, 0.05), "0.05");
  BOOST_CHECK_EQUAL(format_tick(-0.4, 0.2), "-0.4");
  BOOST_CHECK_EQUAL(format_tick(-0.0, 0.2), "0");
  BOOST_CHECK_EQUAL(format_tick(2.7755575615628914e-17, 0.1), "0");
  BOOST_CHECK_EQUAL(format_tick(2e8, 2e8), "2e+08");
  BOOST_CHECK_EQUAL(format_tick(2.5e8, 5e7), "2.5e+08");
  BOOST_CHECK_EQUAL(format_tick(1e-7, 1e-7), "1e-07");
  BOOST_CHECK_EQUAL(format_tick(0.001, 0.001), "0.001");
  BOOST_CHECK_EQUAL(format_tick(1000000, 200000), "1000000");
}

// ---------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(structure_labels_and_polylines) {
  const auto panels = training_panels();
  const std::string svg = render_svg(panels);
  check_clean(svg);
  BOOST_CHECK(svg.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  BOOST_CHECK(svg.find("width=\"900\" height=\"360\"") != std::string::npos);
  for (const char* label : {">Loss<", ">Accuracy<", ">epoch<", ">cross-entropy<", ">accuracy<", ">train<", ">validation<"})
    BOOST_CHECK_MESSAGE(svg.find(label) != std::string::npos, "missing " << label);
  BOOST_CHECK_EQUAL(count(svg, "<g class=\"panel\""), 2u);
  BOOST_CHECK_EQUAL(count(svg, "<g class=\"legend\">"), 2u);
  BOOST_CHECK_EQUAL(count(svg, "<polyline"), 3u);
  // Series 0 and 1 of the loss panel, series 0 of the accuracy panel: 20 points each.
  const auto s0 = polylines(svg, 0);
  BOOST_REQUIRE_EQUAL(s0.size(), 2u);
  BOOST_CHECK_EQUAL(s0[0].size(), 20u);
  BOOST_CHECK_EQUAL(s0[1].size(), 20u);
  const auto s1 = polylines(svg, 1);  // the loss panel's validation series
  BOOST_REQUIRE_EQUAL(s1.size(), 1u);
  BOOST_CHECK_EQUAL(s1[0].size(), 20u);
  // Distinct colors within a panel.
  BOOST_CHECK(svg.find("stroke=\"#1f77b4\"") != std::string::npos);
  BOOST_CHECK(svg.find("stroke=\"#ff7f0e\"") != std::string::npos);
  // Points lie inside the panels and x increases along the line; the
  // second panel is to the right of the first.
  for (const auto& line : s0)
    for (std::size_t i = 0; i < line.size(); ++i) {
      BOOST_CHECK(line[i].first >= 0 && line[i].first <= 900 && line[i].second >= 0 && line[i].second <= 360);
      if (i > 0) BOOST_CHECK_GT(line[i].first, line[i - 1].first);
    }
  BOOST_CHECK_LT(s0[0].back().first, 450);
  BOOST_CHECK_LT(s1[0].back().first, 450);
  BOOST_CHECK_GT(s0[1].front().first, 450);  // the accuracy panel
  // Log axis: decade labels on the loss panel.
  BOOST_CHECK(svg.find(">0.1</text>") != std::string::npos);
  BOOST_CHECK(svg.find(">1</text>") != std::string::npos);
  BOOST_CHECK(svg.find(">10</text>") != std::string::npos);
  // Accuracy axis 0..1 in steps of 0.2 (nice ticks of the data range).
  BOOST_CHECK(svg.find(">0.8</text>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(output_is_deterministic_and_locale_independent) {
  const auto panels = training_panels();
  const std::string a = render_svg(panels);
  BOOST_CHECK(render_svg(panels) == a);
  const char* old = std::setlocale(LC_ALL, nullptr);
  const std::string saved = old ? old : "C";
  bool switched = false;
  for (const char* loc : {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "C.UTF-8"})
    if (std::setlocale(LC_ALL, loc)) {
      switched = true;
      break;
    }
  const std::string b = render_svg(panels);
  std::setlocale(LC_ALL, saved.c_str());
  BOOST_TEST_MESSAGE("locale switched: " << switched);
  BOOST_CHECK(a == b);
}

BOOST_AUTO_TEST_CASE(nan_and_inf_points_are_gaps) {
  Panel p{"gaps", "x", "y", {{"s", {0, 1, 2, 3, 4, 5, 6, 7}, {1, 2, kNaN, 3, 4, 5, kInf, 6}}}};
  p.series.push_back({"bad x", {0, kNaN, 2, 3}, {1, 1, 1, 1}});
  const std::string svg = render_svg(std::span(&p, 1));
  check_clean(svg);
  const auto s0 = polylines(svg, 0);
  BOOST_REQUIRE_EQUAL(s0.size(), 2u);  // [0,1] then [3,4,5]; the lone 7 is a circle
  BOOST_CHECK_EQUAL(s0[0].size(), 2u);
  BOOST_CHECK_EQUAL(s0[1].size(), 3u);
  BOOST_CHECK_EQUAL(count(svg, "<circle class=\"series\" data-series=\"0\""), 1u);
  const auto s1 = polylines(svg, 1);
  BOOST_REQUIRE_EQUAL(s1.size(), 1u);
  BOOST_CHECK_EQUAL(s1[0].size(), 2u);
  BOOST_CHECK_EQUAL(count(svg, "<circle class=\"series\" data-series=\"1\""), 1u);
}

BOOST_AUTO_TEST_CASE(degenerate_series_do_not_divide_by_zero) {
  std::vector<Panel> ps;
  ps.push_back({"constant", "x", "y", {{"c", {1, 2, 3}, {0.5, 0.5, 0.5}}}});
  ps.push_back({"single", "x", "y", {{"one", {3}, {7}}}});
  ps.push_back({"empty", "x", "y", {{"none", {}, {}}, {"gaps", {1, 2}, {kNaN, kNaN}}}});
  ps.push_back({"zeros", "x", "y", {{"z", {0, 0}, {0, 0}}}});
  const std::string svg = render_svg(ps, 1200, 300);
  check_clean(svg);
  const auto c = polylines(svg, 0);
  BOOST_REQUIRE_EQUAL(c.size(), 2u);  // panel 0 series 0 and panel 3 series 0
  BOOST_CHECK_EQUAL(c[0].size(), 3u);
  BOOST_CHECK_EQUAL(c[0][0].second, c[0][2].second);  // flat line
  BOOST_CHECK_EQUAL(count(svg, "<circle"), 1u);       // the single point
  BOOST_CHECK_EQUAL(count(svg, "<polyline"), 2u);
}

BOOST_AUTO_TEST_CASE(log_scale_skips_non_positive_values) {
  Panel p{"log", "step", "loss", {{"s", {0, 1, 2, 3, 4}, {1, 0, -1, 0.1, 0.01}}}, true};
  const std::string svg = render_svg(std::span(&p, 1));
  check_clean(svg);
  const auto s = polylines(svg, 0);
  BOOST_REQUIRE_EQUAL(s.size(), 1u);
  BOOST_CHECK_EQUAL(s[0].size(), 2u);
  BOOST_CHECK_EQUAL(count(svg, "<circle"), 1u);  // y = 1 alone
  BOOST_CHECK(svg.find(">0.01</text>") != std::string::npos);
  BOOST_CHECK(svg.find(">1</text>") != std::string::npos);
  // Nothing positive at all: an empty log panel.
  Panel q{"log", "x", "y", {{"s", {}, {0, -1, kNaN}}}, true};
  const std::string e = render_svg(std::span(&q, 1));
  check_clean(e);
  BOOST_CHECK_EQUAL(count(e, "<polyline"), 0u);
  BOOST_CHECK_EQUAL(count(e, "<circle"), 0u);
}

BOOST_AUTO_TEST_CASE(x_defaults_to_indices_and_many_series_get_distinct_styles) {
  Panel p{"many", "batch", "loss", {}};
  for (int k = 0; k < 12; ++k) p.series.push_back({"s" + std::to_string(k), {}, {1.0 * k, 2.0 * k, 3.0 * k}});
  const std::string svg = render_svg(std::span(&p, 1));
  check_clean(svg);
  BOOST_CHECK_EQUAL(count(svg, "<polyline"), 12u);
  for (int k = 0; k < 12; ++k) BOOST_CHECK_EQUAL(polylines(svg, k).at(0).size(), 3u);
  std::vector<std::string> styles;
  for (const auto& t : tags(svg, "polyline")) {
    BOOST_REQUIRE_EQUAL(attr(t, "stroke").size(), 7u);
    styles.push_back(attr(t, "stroke") + "/" + attr(t, "stroke-dasharray"));
  }
  BOOST_REQUIRE_EQUAL(styles.size(), 12u);
  std::sort(styles.begin(), styles.end());
  BOOST_CHECK(std::adjacent_find(styles.begin(), styles.end()) == styles.end());
}

BOOST_AUTO_TEST_CASE(text_is_escaped) {
  Panel p{"a < b & \"c\"", "x<", "y>", {{"l'1 & <2>\x01", {0, 1}, {0, 1}}}};
  const std::string svg = render_svg(std::span(&p, 1));
  check_clean(svg);
  BOOST_CHECK(svg.find("a &lt; b &amp; &quot;c&quot;") != std::string::npos);
  BOOST_CHECK(svg.find("l&apos;1 &amp; &lt;2&gt; ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_input_and_edge_sizes) {
  Panel p{"t", "x", "y", {{"s", {0, 1, 2}, {0, 1}}}};
  BOOST_CHECK_THROW(render_svg(std::span(&p, 1)), std::invalid_argument);
  const auto panels = training_panels();
  BOOST_CHECK_THROW(render_svg(panels, 200, 360), std::invalid_argument);
  BOOST_CHECK_THROW(render_svg(panels, 900, 50), std::invalid_argument);
  const std::string none = render_svg({});
  check_clean(none);
  BOOST_CHECK_EQUAL(count(none, "<g class=\"panel\""), 0u);
  // Extreme but finite data stays finite in the output.
  Panel big{"big", "x", "y", {{"s", {-1e300, 1e300}, {1e-300, -1e300}}, {"h", {0, 1}, {1e301, 1}}}};
  check_clean(render_svg(std::span(&big, 1)));
}

BOOST_AUTO_TEST_CASE(write_svg_file) {
  const auto panels = training_panels();
  const TempDir dir;
  const fs::path p = dir.file("plot.svg");
  vt::train::write_svg(p, panels);
  BOOST_CHECK(slurp(p) == render_svg(panels));
  const fs::path bad = dir.file("no_such_folder") / "x.svg";
  try {
    vt::train::write_svg(bad, panels);
    BOOST_ERROR("no error");
  } catch (const std::runtime_error& e) {
    BOOST_CHECK(std::string(e.what()).find(bad.string()) != std::string::npos);
  }
}
