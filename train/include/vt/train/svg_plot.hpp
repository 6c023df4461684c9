#pragma once
// Loss/accuracy curves as a self-contained SVG: no scripts, no external fonts
// or images (the generic "sans-serif" family), one or more panels side by side,
// each with a frame, "nice" tick marks (1, 2 or 5 × 10^k) and grid lines, axis
// labels, a title, a legend (in the corner of the plot area that hides the
// least of the lines; omitted when no series has a label) and one polyline per
// series in distinct colors (10 colors, then the same colors dashed).
//
//   train::Panel loss{"loss", "epoch", "loss", {{"train", epochs, train_loss}, {"val", epochs, val_loss}}, true};
//   train::Panel acc{"accuracy", "epoch", "accuracy", {{"val", epochs, val_acc}}};
//   const train::Panel panels[] = {loss, acc};
//   train::write_svg("run/curves.svg", panels);
//
// Points: a point whose x or y is NaN or infinite (or beyond +-1e300) is
// skipped and breaks the line (a gap): each unbroken run of finite points is one <polyline>, so a
// series without such points is exactly one polyline; a run of a single
// point is drawn as a small circle instead. With log_y, points with y <= 0
// cannot be placed and are skipped the same way. Constant or single-point
// data get a padded axis range (never a division by zero). A panel without
// any drawable point shows its frame with the range 0..1.
//
// Output is deterministic: the same input gives the same bytes, with every
// number printed at fixed precision, independent of the C locale.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace vt::train {

struct Series {
  std::string label;
  std::vector<double> x, y;  // x empty: x = 0, 1, 2, ...; otherwise x.size() == y.size()
};

struct Panel {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool log_y = false;
};

// The whole SVG document. Throws std::invalid_argument when a series has
// x.size() != y.size() (x non-empty) or the size leaves less than 120 x 100
// pixels per panel.
std::string render_svg(std::span<const Panel> panels, int width = 900, int height = 360);

// render_svg written to `path` (plainly, not atomically); std::runtime_error
// naming the path when it cannot be written.
void write_svg(const std::filesystem::path& path, std::span<const Panel> panels, int width = 900, int height = 360);

// Axis ticks for data in [lo, hi]: step is 1, 2 or 5 × 10^k, the smallest such
// step with (hi - lo) / step <= target; the axis [axis_lo, axis_hi] is the
// data range widened to multiples of the step (so it has between target/2.5
// and target + 2 intervals), and `values` are the multiples of the step within
// it, each the double nearest i × m × 10^k (0.6, not 0.2 + 0.2 + 0.2).
// lo == hi is widened first (by 10% of |lo|, or by 1 when lo is 0).
// Requires finite lo <= hi (std::invalid_argument otherwise).
struct Ticks {
  double axis_lo = 0, axis_hi = 1, step = 1;
  std::vector<double> values;
};
Ticks nice_ticks(double lo, double hi, int target = 5);

// Ticks of a log10 axis for positive data in [lo, hi]: powers of ten, every
// `step`-th decade (step chosen so there are at most `target` intervals).
// axis_lo/axis_hi/values are the actual values (not exponents).
Ticks log_ticks(double lo, double hi, int target = 5);

// A tick label: fixed-point with as many decimals as the step needs
// ("0.2", "15", "0.05"); exponent form ("1e-07", "2.5e+08") for very large or
// small magnitudes. Never "-0".
std::string format_tick(double value, double step);

// Text for XML and HTML: & < > " ' as entities (the SVG plots and the audit's HTML report).
std::string xml_escape(const std::string& s);

}  // namespace vt::train
