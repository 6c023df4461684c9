// The generic tape used directly, without the runtime: trains a small MLP on
// the bundled iris data with the compiled generic tape (double precision), reports
// held-out accuracy, then checks every parameter gradient of the trained
// model against central finite differences.
//
//   build/bin/example_iris_demo [path/to/iris.csv]
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include "vt/spec/builder.hpp"
#include "vt/spec/dense_backend.hpp"
#include "vt/spec/lower.hpp"
#include "vt/spec/text_format.hpp"

using namespace vt::spec;
using Backend = DenseBackend<double>;

namespace {

struct Dataset {
  std::vector<std::array<double, 4>> x;
  std::vector<int> label;
};

// iris.csv: a header "150,4,names...", then rows "f0,f1,f2,f3,class".
Dataset load_iris(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open (pass the path to iris.csv)");
  Dataset d;
  std::string line;
  std::getline(in, line);
  for (int row = 2; std::getline(in, line); ++row) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::array<double, 4> f{};
    char comma = 0;
    int label = -1;
    ss >> f[0] >> comma >> f[1] >> comma >> f[2] >> comma >> f[3] >> comma >> label;
    if (!ss || label < 0 || label > 2) throw std::runtime_error(fmt::format("{}:{}: malformed row '{}'", path, row, line));
    d.x.push_back(f);
    d.label.push_back(label);
  }
  return d;
}

// 4 -> 16 (tanh) -> 3 classifier over a batch of n rows; outputs loss, logits.
GraphData classifier(std::int64_t n) {
  GraphBuilder b("iris_mlp");
  auto x = b.input("x", DType::f64, {n, 4});
  auto label = b.input("label", DType::i64, {n});
  auto w1 = b.param("w1", DType::f64, {16, 4});
  auto b1 = b.param("b1", DType::f64, {16});
  auto w2 = b.param("w2", DType::f64, {3, 16});
  auto b2 = b.param("b2", DType::f64, {3});
  auto logits = b.linear(b.tanh(b.linear(x, w1, b1)), w2, b2);
  b.output(b.cross_entropy(logits, label));
  b.output(logits);
  return b.build();
}

struct Model {
  GraphData graph;
  Backend backend;
  Tape<Backend> tape{backend};
  LoweredGraph slots;
  explicit Model(std::int64_t n) : graph(classifier(n)), slots(lower(graph, tape)) {}
  Dense<double>& arg(std::size_t i) { return tape.leaf_value(slots.arg_slots[i]); }
  double loss() const { return tape.value(slots.output_slots[0])[0]; }
  void set_batch(const Dataset& d, const std::vector<std::size_t>& rows) {
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t f = 0; f < 4; ++f) arg(0)[static_cast<std::int64_t>(r * 4 + f)] = d.x[rows[r]][f];
      arg(1)[static_cast<std::int64_t>(r)] = d.label[rows[r]];
    }
  }
  double accuracy() const {
    const auto& logits = tape.value(slots.output_slots[1]);
    const auto& label = tape.value(slots.arg_slots[1]);
    int right = 0;
    for (std::int64_t r = 0; r < label.numel(); ++r) {
      const auto row = logits.data.begin() + r * 3;
      right += std::max_element(row, row + 3) - row == static_cast<long>(label[r]);
    }
    return static_cast<double>(right) / static_cast<double>(label.numel());
  }
};

}  // namespace

int main(int argc, char** argv) try {
  const char* src = std::getenv("VT_SOURCE_DIR");
  const std::string path = argc > 1 ? argv[1] : std::string(src ? src : ".") + "/data/iris.csv";
  Dataset data = load_iris(path);
  // Standardize features (mean 0, variance 1 over the whole set).
  for (std::size_t f = 0; f < 4; ++f) {
    double mean = 0, sq = 0;
    for (const auto& r : data.x) mean += r[f];
    mean /= static_cast<double>(data.x.size());
    for (const auto& r : data.x) sq += (r[f] - mean) * (r[f] - mean);
    const double sd = std::sqrt(sq / static_cast<double>(data.x.size()));
    for (auto& r : data.x) r[f] = (r[f] - mean) / sd;
  }
  // Seeded split: 120 rows to train, 30 held out.
  std::vector<std::size_t> order(data.x.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  const std::vector<std::size_t> train(order.begin(), order.begin() + 120), test(order.begin() + 120, order.end());

  Model model(static_cast<std::int64_t>(train.size())), eval(static_cast<std::int64_t>(test.size()));
  fmt::print("The model, as veritape's graph IR (.vtg):\n\n{}\n", print_vtg(model.graph));
  std::normal_distribution<double> init(0.0, 0.5);
  for (std::size_t p = 2; p < 6; ++p)
    for (auto& v : model.arg(p).data) v = init(rng);
  model.set_batch(data, train);
  eval.set_batch(data, test);

  const auto t0 = std::chrono::steady_clock::now();
  const double lr = 0.5;
  const int steps = 300;
  for (int step = 0; step <= steps; ++step) {
    model.tape.zero_grad();
    model.tape.run_forward();
    if (step % 50 == 0) fmt::print("step {:>3}  loss {:.4f}  train accuracy {:.3f}\n", step, model.loss(), model.accuracy());
    if (step == steps) break;
    model.tape.backward(model.slots.output_slots[0]);
    for (std::size_t p = 2; p < 6; ++p) {
      const auto& g = *model.tape.grad(model.slots.arg_slots[p]);
      for (std::int64_t i = 0; i < g.numel(); ++i) model.arg(p)[i] -= lr * g[i];
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (std::size_t p = 2; p < 6; ++p) eval.arg(p) = model.arg(p);
  eval.tape.run_forward();
  fmt::print("\nheld-out accuracy {:.3f} on {} rows ({} steps in {:.2f} s)\n", eval.accuracy(), test.size(), steps, secs);

  // Gradient check of the trained model: every parameter entry, tape VJP vs
  // central finite differences (h = 1e-6).
  model.tape.zero_grad();
  model.tape.run_forward();
  model.tape.backward(model.slots.output_slots[0]);
  double worst = 0;
  std::size_t entries = 0;
  for (std::size_t p = 2; p < 6; ++p) {
    const Dense<double> g = *model.tape.grad(model.slots.arg_slots[p]);
    for (std::int64_t i = 0; i < g.numel(); ++i, ++entries) {
      const double saved = model.arg(p)[i], h = 1e-6;
      model.arg(p)[i] = saved + h;
      model.tape.run_forward();
      const double up = model.loss();
      model.arg(p)[i] = saved - h;
      model.tape.run_forward();
      const double down = model.loss();
      model.arg(p)[i] = saved;
      const double diff = std::abs(g[i] - (up - down) / (2 * h)) / std::max(1.0, std::abs(g[i]));
      worst = std::isnan(diff) ? diff : std::max(worst, diff);  // a NaN stays (and fails), std::max(w, NaN) would drop it
    }
  }
  fmt::print("gradient check: {} parameter entries, max relative difference to finite differences {:.2e}\n", entries, worst);
  return worst < 1e-6 ? 0 : 1;
} catch (const std::exception& e) {
  fmt::print(stderr, "error: {}\n", e.what());
  return 2;
}
