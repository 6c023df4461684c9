// SVG loss/accuracy plots: see svg_plot.hpp.
#include "vt/train/svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace vt::train {
namespace {

constexpr std::array<const char*, 10> kColors = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr std::array<const char*, 4> kDashes = {"", "6 3", "2 2", "8 3 2 3"};

// Margins of the plot area inside a panel, in pixels.
constexpr double kLeft = 64, kRight = 14, kTop = 28, kBottom = 44;

// Locale-independent fixed-point text; never "-0".
std::string fixed(double v, int decimals) {
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (r.ec != std::errc()) return "0";
  std::string s(buf, r.ptr);
  if (!s.empty() && s[0] == '-' && s.find_first_not_of("0.", 1) == std::string::npos) s.erase(0, 1);
  return s;
}

std::string scientific(double v, int decimals) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, decimals);
  if (r.ec != std::errc()) return "0";
  return std::string(buf, r.ptr);
}

std::string px(double v) { return std::isfinite(v) ? fixed(v, 2) : "0"; }

double pow10i(int e) {  // the double nearest 10^e, exactly as the literal "1e<e>"
  char buf[16];
  std::snprintf(buf, sizeof buf, "1e%d", e);
  double v = 0;
  std::from_chars(buf, buf + std::strlen(buf), v);
  return v;
}


struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// Whether a point can be placed on the panel (magnitudes beyond 1e300 are
// treated like infinities, so axis arithmetic never overflows).
constexpr double kHuge = 1e300;
bool drawable(double x, double y, bool log_y) {
  return std::abs(x) <= kHuge && std::abs(y) <= kHuge && (!log_y || y > 0);
}

double x_of(const Series& s, std::size_t i) { return s.x.empty() ? static_cast<double>(i) : s.x[i]; }

// Label width estimate for the legend box (no font metrics available).
double text_width(const std::string& s, double font_px) {
  std::size_t chars = 0;
  for (char ch : s)
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++chars;  // count UTF-8 code points
  return 0.6 * font_px * static_cast<double>(chars);
}

void render_panel(std::string& o, const Panel& p, int index, double left, double width, double height) {
  const double x0 = left + kLeft, x1 = left + width - kRight, y0 = kTop, y1 = height - kBottom;

  Range xr, yr;
  for (const auto& s : p.series)
    for (std::size_t i = 0; i < s.y.size(); ++i)
      if (drawable(x_of(s, i), s.y[i], p.log_y)) {
        xr.add(x_of(s, i));
        yr.add(s.y[i]);
      }
  const Ticks xt = xr.empty() ? nice_ticks(0, 1) : nice_ticks(xr.lo, xr.hi);
  const Ticks yt = p.log_y ? (yr.empty() ? log_ticks(1, 10) : log_ticks(yr.lo, yr.hi))
                           : (yr.empty() ? nice_ticks(0, 1) : nice_ticks(yr.lo, yr.hi));
  const auto ty = [&](double y) { return p.log_y ? std::log10(y) : y; };
  const double tlo = ty(yt.axis_lo), thi = ty(yt.axis_hi);
  const auto sx = [&](double x) { return x0 + (x - xt.axis_lo) / (xt.axis_hi - xt.axis_lo) * (x1 - x0); };
  const auto sy = [&](double y) { return y1 - (ty(y) - tlo) / (thi - tlo) * (y1 - y0); };

  o += "<g class=\"panel\" id=\"panel" + std::to_string(index) + "\">\n";
  o += "<text class=\"title\" x=\"" + px((x0 + x1) / 2) + "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" "
       "font-weight=\"bold\">" + xml_escape(p.title) + "</text>\n";

  // Grid, ticks and tick labels.
  o += "<g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n";
  for (double v : xt.values) o += "<line x1=\"" + px(sx(v)) + "\" y1=\"" + px(y0) + "\" x2=\"" + px(sx(v)) + "\" y2=\"" + px(y1) + "\"/>\n";
  for (double v : yt.values) o += "<line x1=\"" + px(x0) + "\" y1=\"" + px(sy(v)) + "\" x2=\"" + px(x1) + "\" y2=\"" + px(sy(v)) + "\"/>\n";
  o += "</g>\n";
  o += "<g class=\"xticks\" text-anchor=\"middle\">\n";
  for (double v : xt.values)
    o += "<line x1=\"" + px(sx(v)) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(sx(v)) + "\" y2=\"" + px(y1 + 4) +
         "\" stroke=\"#333\"/><text x=\"" + px(sx(v)) + "\" y=\"" + px(y1 + 16) + "\">" + xml_escape(format_tick(v, xt.step)) +
         "</text>\n";
  o += "</g>\n";
  o += "<g class=\"yticks\" text-anchor=\"end\">\n";
  for (double v : yt.values) {
    const std::string label = p.log_y ? format_tick(v, v) : format_tick(v, yt.step);
    o += "<line x1=\"" + px(x0 - 4) + "\" y1=\"" + px(sy(v)) + "\" x2=\"" + px(x0) + "\" y2=\"" + px(sy(v)) +
         "\" stroke=\"#333\"/><text x=\"" + px(x0 - 6) + "\" y=\"" + px(sy(v)) + "\" dy=\"0.32em\">" + xml_escape(label) +
         "</text>\n";
  }
  o += "</g>\n";
  o += "<rect class=\"frame\" x=\"" + px(x0) + "\" y=\"" + px(y0) + "\" width=\"" + px(x1 - x0) + "\" height=\"" +
       px(y1 - y0) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  o += "<text class=\"xlabel\" x=\"" + px((x0 + x1) / 2) + "\" y=\"" + px(height - 8) + "\" text-anchor=\"middle\">" +
       xml_escape(p.x_label) + "</text>\n";
  o += "<text class=\"ylabel\" transform=\"translate(" + px(left + 14) + "," + px((y0 + y1) / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + xml_escape(p.y_label) + "</text>\n";

  // Series: one polyline per unbroken run of drawable points.
  std::vector<std::pair<double, double>> drawn;  // sampled along every line, to place the legend
  for (std::size_t k = 0; k < p.series.size(); ++k) {
    const Series& s = p.series[k];
    const std::string color = kColors[k % kColors.size()];
    const std::string dash = kDashes[(k / kColors.size()) % kDashes.size()];
    const std::string tag = " data-series=\"" + std::to_string(k) + "\"";
    std::vector<std::pair<double, double>> run;
    auto emit = [&] {
      if (run.size() == 1) {
        o += "<circle class=\"series\"" + tag + " cx=\"" + px(run[0].first) + "\" cy=\"" + px(run[0].second) +
             "\" r=\"2.5\" fill=\"" + color + "\"/>\n";
      } else if (run.size() > 1) {
        o += "<polyline class=\"series\"" + tag + " fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"1.5\" stroke-linejoin=\"round\"";
        if (!dash.empty()) o += " stroke-dasharray=\"" + dash + "\"";
        o += " points=\"";
        for (std::size_t i = 0; i < run.size(); ++i) {
          if (i > 0) o += ' ';
          o += px(run[i].first) + "," + px(run[i].second);
          if (i > 0)
            for (int q = 1; q < 8; ++q) {
              const double f = q / 8.0;
              drawn.emplace_back(run[i - 1].first + f * (run[i].first - run[i - 1].first),
                                 run[i - 1].second + f * (run[i].second - run[i - 1].second));
            }
        }
        o += "\"/>\n";
      }
      drawn.insert(drawn.end(), run.begin(), run.end());
      run.clear();
    };
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      const double x = x_of(s, i);
      if (drawable(x, s.y[i], p.log_y)) run.emplace_back(sx(x), sy(s.y[i]));
      else emit();
    }
    emit();
  }

  // Legend inside the plot area, in the corner that hides the least of the
  // lines (top right, bottom right, top left, bottom left on ties).
  const bool any_label = std::any_of(p.series.begin(), p.series.end(), [](const Series& s) { return !s.label.empty(); });
  if (any_label) {
    double w = 0;
    for (const auto& s : p.series) w = std::max(w, text_width(s.label, 11));
    w += 34;
    const double h = 6 + 15 * static_cast<double>(p.series.size());
    double lx = x1 - w - 6, ly = y0 + 6;
    std::size_t best = std::numeric_limits<std::size_t>::max();
    for (const auto& [cx, cy] : {std::pair{x1 - w - 6, y0 + 6}, std::pair{x1 - w - 6, y1 - h - 6},
                                 std::pair{x0 + 6, y0 + 6}, std::pair{x0 + 6, y1 - h - 6}}) {
      const auto hidden = static_cast<std::size_t>(std::count_if(drawn.begin(), drawn.end(), [&](const auto& pt) {
        return pt.first >= cx - 3 && pt.first <= cx + w + 3 && pt.second >= cy - 3 && pt.second <= cy + h + 3;
      }));
      if (hidden < best) {
        best = hidden;
        lx = cx;
        ly = cy;
      }
    }
    o += "<g class=\"legend\">\n<rect x=\"" + px(lx) + "\" y=\"" + px(ly) + "\" width=\"" + px(w) + "\" height=\"" +
         px(h) + "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n";
    for (std::size_t k = 0; k < p.series.size(); ++k) {
      const double yk = ly + 3 + 15 * static_cast<double>(k) + 7.5;
      const std::string dash = kDashes[(k / kColors.size()) % kDashes.size()];
      o += "<line x1=\"" + px(lx + 5) + "\" y1=\"" + px(yk) + "\" x2=\"" + px(lx + 25) + "\" y2=\"" + px(yk) +
           "\" stroke=\"" + kColors[k % kColors.size()] + "\" stroke-width=\"2\"";
      if (!dash.empty()) o += " stroke-dasharray=\"" + dash + "\"";
      o += "/><text x=\"" + px(lx + 29) + "\" y=\"" + px(yk) + "\" dy=\"0.32em\">" + xml_escape(p.series[k].label) +
           "</text>\n";
    }
    o += "</g>\n";
  }
  o += "</g>\n";
}

}  // namespace

Ticks nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
    throw std::invalid_argument("nice_ticks: need finite lo <= hi, got " + scientific(lo, 6) + ", " + scientific(hi, 6));
  target = std::max(target, 1);
  if (lo == hi) {
    const double d = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  // Ranges too narrow to subdivide in doubles (or a widening that underflowed).
  if (!(hi - lo > 1e-290) || !(hi - lo > std::max(std::abs(lo), std::abs(hi)) * 1e-12)) {
    const double d = std::max({std::abs(lo) * 1e-6, 1e-290, (hi - lo)});
    lo -= d;
    hi += d;
  }
  double span = hi - lo;
  if (!std::isfinite(span)) span = std::numeric_limits<double>::max();
  const double raw = span / target;
  int k = static_cast<int>(std::floor(std::log10(raw)));
  const double n = raw / pow10i(k);
  double m = 10;
  for (double c : {1.0, 2.0, 5.0})
    if (c >= n * (1 - 1e-9)) {
      m = c;
      break;
    }
  if (m == 10) {
    m = 1;
    ++k;
  }
  // value(i) = i*m*10^k, computed with one rounding.
  const double scale = pow10i(std::abs(k));
  const auto value = [&](double i) { return k >= 0 ? i * m * scale : (i * m) / scale; };
  Ticks t;
  t.step = value(1);
  const double i_lo = std::floor(lo / t.step + 1e-9);
  double i_hi = std::ceil(hi / t.step - 1e-9);
  if (i_hi <= i_lo) i_hi = i_lo + 1;
  const double count = std::min(i_hi - i_lo, 1000.0);
  for (double j = 0; j <= count; ++j) t.values.push_back(value(i_lo + j));
  t.axis_lo = t.values.front();
  t.axis_hi = t.values.back();
  if (!(t.axis_hi > t.axis_lo)) {  // i_lo + j lost to rounding at huge magnitudes
    t.axis_lo = lo;
    t.axis_hi = hi;
    t.values = {lo, hi};
  }
  return t;
}

Ticks log_ticks(double lo, double hi, int target) {
  if (!(lo > 0) || !std::isfinite(hi) || lo > hi)
    throw std::invalid_argument("log_ticks: need finite 0 < lo <= hi");
  target = std::max(target, 1);
  int e_lo = static_cast<int>(std::floor(std::log10(lo) + 1e-12));
  int e_hi = static_cast<int>(std::ceil(std::log10(hi) - 1e-12));
  if (e_hi <= e_lo) e_hi = e_lo + 1;
  const int step = std::max(1, (e_hi - e_lo + target - 1) / target);
  const auto floor_div = [](int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  e_lo = floor_div(e_lo, step) * step;
  e_hi = -floor_div(-e_hi, step) * step;
  Ticks t;
  t.step = step;
  for (int e = e_lo; e <= e_hi; e += step) t.values.push_back(pow10i(e));
  t.axis_lo = t.values.front();
  t.axis_hi = t.values.back();
  return t;
}

std::string format_tick(double value, double step) {
  step = std::abs(step);
  if (value == 0 || !(step > 0) || std::abs(value) < step * 1e-6) return "0";
  const int k = static_cast<int>(std::floor(std::log10(step) + 1e-9));
  const double mag = std::abs(value);
  if (mag >= 1e7 || k < -5 || mag < 1e-5) {
    const int e = static_cast<int>(std::floor(std::log10(mag) + 1e-9));
    return scientific(value, std::clamp(e - k, 0, 15));
  }
  return fixed(value, std::max(0, -k));
}

std::string render_svg(std::span<const Panel> panels, int width, int height) {
  const std::size_t n = std::max<std::size_t>(panels.size(), 1);
  if (height < 100 || width < 0 || static_cast<std::size_t>(width) < 120 * n)
    throw std::invalid_argument("render_svg: " + std::to_string(width) + "x" + std::to_string(height) +
                                " leaves less than 120x100 pixels for each of " + std::to_string(n) + " panel(s)");
  for (const auto& p : panels)
    for (const auto& s : p.series)
      if (!s.x.empty() && s.x.size() != s.y.size())
        throw std::invalid_argument("render_svg: series '" + s.label + "' of panel '" + p.title + "' has " +
                                    std::to_string(s.x.size()) + " x values but " + std::to_string(s.y.size()) +
                                    " y values");
  std::string o;
  o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + std::to_string(width) + "\" height=\"" +
       std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
       "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  o += "<rect width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" fill=\"white\"/>\n";
  const double pw = static_cast<double>(width) / static_cast<double>(n);
  for (std::size_t i = 0; i < panels.size(); ++i)
    render_panel(o, panels[i], static_cast<int>(i), pw * static_cast<double>(i), pw, height);
  o += "</svg>\n";
  return o;
}

void write_svg(const std::filesystem::path& path, std::span<const Panel> panels, int width, int height) {
  const std::string svg = render_svg(panels, width, height);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    const int e = errno;
    throw std::runtime_error("write_svg: cannot create '" + path.string() + "': " +
                             std::error_code(e, std::generic_category()).message());
  }
  const bool ok = std::fwrite(svg.data(), 1, svg.size(), f) == svg.size();
  const int e = errno;
  if (std::fclose(f) != 0 || !ok)
    throw std::runtime_error("write_svg: cannot write '" + path.string() + "': " +
                             std::error_code(ok ? errno : e, std::generic_category()).message());
}

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0 text.
        out += (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ? ' ' : ch;
    }
  }
  return out;
}

}  // namespace vt::train
