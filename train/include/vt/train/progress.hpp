#pragma once
// Training progress display.
//
// On a terminal: one line redrawn in place ('\r', the line, then ESC[K to
// clear what a longer previous line left), at most every 0.1 s (and always
// when the last batch arrives):
//
//   epoch 3/20 [###############...............] 45/90 batches  loss 0.1234  1520 it/s  ETA 0:12
//
// end_epoch redraws it complete, with the epoch's duration in place of the
// ETA and the summary appended, and ends the line:
//
//   epoch 3/20 [##############################] 90/90 batches  loss 0.1102  1498 it/s  0:06  val_acc 0.9310
//
// Not a terminal (pipe, file, CI log): plain lines, at most one every
// `min_interval_s` seconds while the epoch runs (none in the first
// `min_interval_s` seconds), and always one at each epoch end:
//
//   epoch 3/20  45/90 batches  loss 0.1234  1520 it/s  ETA 0:12
//   epoch 3/20  90/90 batches  loss 0.1102  1498 it/s  took 0:06  val_acc 0.9310
//
// "loss" is the mean of the losses passed to update() in this epoch (NaN or
// inf once any was); the rate is batches done / seconds since start_epoch, and
// ETA = batches left / rate ("?" until a batch has been timed). A rate below
// 1 it/s is shown as seconds per batch ("2.50 s/it"). batches <= 0 means
// "unknown": no bar, no ETA. Numbers are printed the same in every C locale.
// Output is flushed after every write. update() costs one clock read and a
// comparison when it prints nothing.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace vt::train {

class Progress {
 public:
  struct Options {
    bool terminal = false;
    double min_interval_s = 1.0;  // plain mode: at most one progress line per interval
    int width = 30;               // terminal mode: bar cells
  };

  // isatty(fd), and TERM is not "dumb".
  static bool is_terminal(int fd);

  // `clock` returns seconds on any monotonic scale (default: std::chrono::steady_clock).
  Progress(std::FILE* out, Options o, std::function<double()> clock = {});

  void start_epoch(std::int64_t epoch, std::int64_t epochs, std::int64_t batches);
  // `batch_done`: batches finished in this epoch so far; `loss`: that of the latest one.
  void update(std::int64_t batch_done, double loss);
  // Finishes the line (terminal) or prints the summary line (plain).
  void end_epoch(const std::string& summary);

 private:
  std::string status(double now, bool final) const;
  void write(const std::string& s);

  std::FILE* out_;
  Options opt_;
  std::function<double()> clock_;
  std::int64_t epoch_ = 0, epochs_ = 0, batches_ = 0, done_ = 0;
  double loss_sum_ = 0;
  std::int64_t loss_count_ = 0;
  double start_ = 0, last_print_ = 0;
  bool open_line_ = false;  // terminal: a bar is on screen without its newline
};

// "0:12", "1:02", "1:02:03" (rounded to the nearest second); "--:--" for
// negative, non-finite or absurd (over 100000 hours) durations.
std::string format_duration(double seconds);

// "1520 it/s", "15.2 it/s", "1.52 it/s", "2.50 s/it"; "? it/s" when unknown
// (non-positive or non-finite).
std::string format_rate(double per_second);

}  // namespace vt::train
