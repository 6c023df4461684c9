// Training progress display: see progress.hpp.
#include "vt/train/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace vt::train {
namespace {

constexpr double kTerminalRefresh = 0.1;  // seconds between redraws of the bar

// Locale-independent number text.
std::string num(double v, int decimals, std::chars_format f = std::chars_format::fixed) {
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, f, decimals);
  return r.ec == std::errc() ? std::string(buf, r.ptr) : std::string("?");
}

std::string format_loss(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  const double a = std::abs(v);
  if (a == 0 || (a >= 1e-3 && a < 1e5)) return num(v, 4);
  return num(v, 3, std::chars_format::scientific);
}

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 3.6e8) return "--:--";
  const long long total = std::llround(seconds);
  const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  char buf[48];
  if (h > 0) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld", m, s);
  return buf;
}

std::string format_rate(double r) {
  if (!std::isfinite(r) || r <= 0) return "? it/s";
  if (r >= 100) return num(r, 0) + " it/s";
  if (r >= 10) return num(r, 1) + " it/s";
  if (r >= 1) return num(r, 2) + " it/s";
  return num(1 / r, 2) + " s/it";
}

bool Progress::is_terminal(int fd) {
  if (::isatty(fd) != 1) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::strcmp(term, "dumb") == 0);
}

Progress::Progress(std::FILE* out, Options o, std::function<double()> clock)
    : out_(out), opt_(o), clock_(clock ? std::move(clock) : std::function<double()>(steady_seconds)) {
  if (opt_.width < 1) opt_.width = 1;
}

void Progress::start_epoch(std::int64_t epoch, std::int64_t epochs, std::int64_t batches) {
  if (open_line_) write("\n");  // the previous epoch never ended
  open_line_ = false;
  epoch_ = epoch;
  epochs_ = epochs;
  batches_ = batches;
  done_ = 0;
  loss_sum_ = 0;
  loss_count_ = 0;
  start_ = last_print_ = clock_();
  if (opt_.terminal) {
    write("\r" + status(start_, false) + "\x1b[K");
    open_line_ = true;
  }
}

void Progress::update(std::int64_t batch_done, double loss) {
  done_ = batch_done;
  loss_sum_ += loss;
  ++loss_count_;
  const double now = clock_();
  if (opt_.terminal) {
    if (now - last_print_ < kTerminalRefresh && !(batches_ > 0 && done_ >= batches_)) return;
    write("\r" + status(now, false) + "\x1b[K");
    open_line_ = true;
  } else {
    if (now - last_print_ < opt_.min_interval_s) return;
    write(status(now, false) + "\n");
  }
  last_print_ = now;
}

void Progress::end_epoch(const std::string& summary) {
  const double now = clock_();
  std::string line = status(now, true);
  if (!summary.empty()) line += "  " + summary;
  if (opt_.terminal) write("\r" + line + "\x1b[K\n");
  else write(line + "\n");
  open_line_ = false;
  last_print_ = now;
}

std::string Progress::status(double now, bool final) const {
  std::string s = "epoch " + std::to_string(epoch_);
  if (epochs_ > 0) s += "/" + std::to_string(epochs_);
  if (opt_.terminal && batches_ > 0) {
    const std::int64_t clamped = std::min(std::max<std::int64_t>(done_, 0), batches_);
    const auto filled = static_cast<int>(static_cast<double>(opt_.width) * static_cast<double>(clamped) /
                                         static_cast<double>(batches_));
    s += " [" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(opt_.width - filled), '.') + "]";
  }
  s += opt_.terminal ? " " : "  ";
  s += std::to_string(done_);
  if (batches_ > 0) s += "/" + std::to_string(batches_);
  s += " batches";
  if (loss_count_ > 0) s += "  loss " + format_loss(loss_sum_ / static_cast<double>(loss_count_));
  const double elapsed = now - start_;
  const double rate = elapsed > 0 && done_ > 0 ? static_cast<double>(done_) / elapsed : 0;
  s += "  " + format_rate(rate);
  if (final) {
    s += opt_.terminal ? "  " : "  took ";
    s += format_duration(elapsed);
  } else if (batches_ > 0) {
    s += "  ETA " + (rate > 0 ? format_duration(static_cast<double>(std::max<std::int64_t>(batches_ - done_, 0)) / rate)
                              : std::string("?"));
  }
  return s;
}

void Progress::write(const std::string& s) {
  if (!out_) return;
  std::fwrite(s.data(), 1, s.size(), out_);
  std::fflush(out_);
}

}  // namespace vt::train
