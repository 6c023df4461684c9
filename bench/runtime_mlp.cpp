// Runtime benchmark (one thread, float32): a training step of the MLP
// 784-256-128-10, ReLU, mse_loss (mean) against one-hot targets, SGD lr 0.01,
// at batch sizes 1, 16 and 128, measured in the same run as its floors:
//   compiled_ms   veritape's compiled program (FastKernels on)
//   raw_blas_ms   the same step as straight OpenBLAS calls, no framework
//   limit_ms      the step's eight GEMMs alone, timed at their own shapes:
//                 its GEMM FLOPs at the rate OpenBLAS reaches on them here
//                 (a large square sgemm's rate is reported beside it)
//   libtorch_ms   the same model in libtorch: bench/torch/torch_mlp.cpp, built
//                 when libtorch-dev is installed; scripts/bench.sh merges it
//   eager_ms      the same step in an eager Session (tape recorded every step)
//   chain.us_per_step   10,000 scalar steps y = y * 1.0001 + 0.001, then backward
//   mem.*         resident memory over 1,000 linked-session steps at batch 16:
//                 peak, growth after the first 10 steps, and the tape's bytes
//   linked_ms     the same step in a LinkedSession (recorded once, replayed in place)
//   build/bin/bench_runtime_mlp [--json]
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "vt/runtime/blas.hpp"
#include "vt/runtime/program.hpp"
#include "vt/runtime/session.hpp"
#include "vt/spec/builder.hpp"
#include "timing.hpp"

using namespace vt;
using bench::time_ms;

namespace {

constexpr std::int64_t kIn = 784, kH1 = 256, kH2 = 128, kOut = 10;


spec::GraphData mlp_graph(std::int64_t B) {
  spec::GraphBuilder b("mlp");
  auto x = b.input("x", spec::DType::f32, {B, kIn});
  auto y = b.input("y", spec::DType::f32, {B, kOut});
  auto w1 = b.param("w1", spec::DType::f32, {kH1, kIn});
  auto b1 = b.param("b1", spec::DType::f32, {kH1});
  auto w2 = b.param("w2", spec::DType::f32, {kH2, kH1});
  auto b2 = b.param("b2", spec::DType::f32, {kH2});
  auto w3 = b.param("w3", spec::DType::f32, {kOut, kH2});
  auto b3 = b.param("b3", spec::DType::f32, {kOut});
  auto h = b.relu(b.linear(b.relu(b.linear(x, w1, b1)), w2, b2));
  b.output(b.mse_loss(b.linear(h, w3, b3), y));
  return b.build();
}

struct Data {
  std::vector<float> x, y, w1, b1, w2, b2, w3, b3;
};
Data make_data(std::int64_t B) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1, 1);
  auto fill = [&](std::int64_t n, float scale) {
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& e : v) e = u(rng) * scale;
    return v;
  };
  Data d{fill(B * kIn, 1), std::vector<float>(static_cast<std::size_t>(B * kOut), 0.f), fill(kH1 * kIn, 0.035f), fill(kH1, 0.035f),
         fill(kH2 * kH1, 0.06f), fill(kH2, 0.06f), fill(kOut * kH2, 0.09f), fill(kOut, 0.09f)};
  for (std::int64_t r = 0; r < B; ++r) d.y[static_cast<std::size_t>(r * kOut + r % kOut)] = 1;  // one-hot
  return d;
}

// A compiled program of the step with the benchmark's data loaded.
struct CompiledStep {
  rt::Program<float> p;
  CompiledStep(std::int64_t B, const Data& d) : p(mlp_graph(B)) {
    p.set("x", d.x), p.set("y", d.y), p.set("w1", d.w1), p.set("b1", d.b1), p.set("w2", d.w2), p.set("b2", d.b2),
        p.set("w3", d.w3), p.set("b3", d.b3);
  }
  void step() {
    p.zero_grad();
    p.forward();
    p.backward();
    p.sgd_step(0.01f);
  }
};

// The step in an eager Session, or (Sess = LinkedSession) recorded once and replayed.
template <class Sess>
double session_step_ms(std::int64_t B, const Data& d) {
  Sess s;
  auto w1 = s.param({kH1, kIn}, d.w1), b1 = s.param({kH1}, d.b1), w2 = s.param({kH2, kH1}, d.w2), b2 = s.param({kH2}, d.b2),
       w3 = s.param({kOut, kH2}, d.w3), b3 = s.param({kOut}, d.b3);
  return time_ms([&] {
    auto x = s.input({B, kIn}, d.x), y = s.input({B, kOut}, d.y);
    auto h = rt::relu(rt::linear(rt::relu(rt::linear(x, w1, b1)), w2, b2));
    rt::mse_loss(rt::linear(h, w3, b3), y).backward();
    s.sgd_step(0.01f);
    s.zero_grad();
  });
}

// Resident and peak resident memory of this process, in MB (Linux).
std::pair<double, double> rss_mb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return {0, 0};
  char line[256];
  double rss = 0, peak = 0;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) rss = std::atof(line + 6) / 1024;
    if (std::strncmp(line, "VmHWM:", 6) == 0) peak = std::atof(line + 6) / 1024;
  }
  std::fclose(f);
  return {rss, peak};
}

void memory(nlohmann::json& out) {
  const Data d = make_data(16);
  rt::LinkedSession<float> s;
  auto w1 = s.param({kH1, kIn}, d.w1), b1 = s.param({kH1}, d.b1), w2 = s.param({kH2, kH1}, d.w2), b2 = s.param({kH2}, d.b2),
       w3 = s.param({kOut, kH2}, d.w3), b3 = s.param({kOut}, d.b3);
  double after_warmup = 0;
  for (int step = 0; step < 1000; ++step) {
    auto x = s.input({16, kIn}, d.x), y = s.input({16, kOut}, d.y);
    auto loss = rt::mse_loss(rt::linear(rt::relu(rt::linear(rt::relu(rt::linear(x, w1, b1)), w2, b2)), w3, b3), y);
    loss.backward(/*retain_graph=*/step == 999);  // keep the last graph to weigh it
    s.sgd_step(0.01f);
    s.zero_grad();
    if (step == 9) after_warmup = rss_mb().first;
  }
  const auto [rss, peak] = rss_mb();
  out["mem.peak_rss_mb"] = peak;
  out["mem.growth_mb"] = rss - after_warmup;
  out["mem.tape_bytes"] = s.tape_bytes();  // parameters, their gradients, activations of one step
}

double chain_us_per_step() {
  constexpr int kSteps = 10000;
  rt::Session<float> s;
  auto y0 = s.param({}, {1.f});
  const double ms = time_ms([&] {
    auto y = y0 * 1.0;
    for (int i = 0; i < kSteps; ++i) y = y * 1.0001 + 0.001;
    y.backward();
    s.zero_grad();
  });
  return ms * 1e3 / kSteps;
}

// The same step written directly against OpenBLAS: the cost floor of doing
// it with these kernels (buffers allocated once, outside the timing).
struct RawStep {
  std::int64_t B;
  Data d;
  std::vector<float> h1, h2, out, g3, g2, g1, dw1, dw2, dw3, db1, db2, db3;
  explicit RawStep(std::int64_t b, Data data)
      : B(b), d(std::move(data)), h1(static_cast<std::size_t>(b * kH1)), h2(static_cast<std::size_t>(b * kH2)),
        out(static_cast<std::size_t>(b * kOut)), g3(out.size()), g2(h2.size()), g1(h1.size()), dw1(d.w1.size()),
        dw2(d.w2.size()), dw3(d.w3.size()), db1(kH1), db2(kH2), db3(kOut) {}

  static void dense(const float* x, const std::vector<float>& w, const std::vector<float>& bias, float* y, std::int64_t rows,
                    std::int64_t in, std::int64_t outn, bool relu) {
    for (std::int64_t r = 0; r < rows; ++r) std::copy(bias.begin(), bias.end(), y + r * outn);
    rt::gemm<float>(false, true, rows, outn, in, 1.f, x, in, w.data(), in, 1.f, y, outn);
    if (relu)
      for (std::int64_t i = 0; i < rows * outn; ++i) y[i] = y[i] > 0 ? y[i] : 0;
  }
  static void colsum(const std::vector<float>& g, std::vector<float>& db, std::int64_t rows, std::int64_t cols) {
    std::fill(db.begin(), db.end(), 0.f);
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < cols; ++c) db[static_cast<std::size_t>(c)] += g[static_cast<std::size_t>(r * cols + c)];
  }
  static void sgd(std::vector<float>& w, const std::vector<float>& g) {
    for (std::size_t i = 0; i < w.size(); ++i) w[i] -= 0.01f * g[i];
  }
  // Only the GEMMs of step(), same shapes and layouts: the GEMM-bound floor.
  void gemms_only() {
    rt::gemm<float>(false, true, B, kH1, kIn, 1.f, d.x.data(), kIn, d.w1.data(), kIn, 1.f, h1.data(), kH1);
    rt::gemm<float>(false, true, B, kH2, kH1, 1.f, h1.data(), kH1, d.w2.data(), kH1, 1.f, h2.data(), kH2);
    rt::gemm<float>(false, true, B, kOut, kH2, 1.f, h2.data(), kH2, d.w3.data(), kH2, 1.f, out.data(), kOut);
    rt::gemm<float>(true, false, kOut, kH2, B, 1.f, g3.data(), kOut, h2.data(), kH2, 0.f, dw3.data(), kH2);
    rt::gemm<float>(false, false, B, kH2, kOut, 1.f, g3.data(), kOut, d.w3.data(), kH2, 0.f, g2.data(), kH2);
    rt::gemm<float>(true, false, kH2, kH1, B, 1.f, g2.data(), kH2, h1.data(), kH1, 0.f, dw2.data(), kH1);
    rt::gemm<float>(false, false, B, kH1, kH2, 1.f, g2.data(), kH2, d.w2.data(), kH1, 0.f, g1.data(), kH1);
    rt::gemm<float>(true, false, kH1, kIn, B, 1.f, g1.data(), kH1, d.x.data(), kIn, 0.f, dw1.data(), kIn);
  }
  void step() {
    dense(d.x.data(), d.w1, d.b1, h1.data(), B, kIn, kH1, true);
    dense(h1.data(), d.w2, d.b2, h2.data(), B, kH1, kH2, true);
    dense(h2.data(), d.w3, d.b3, out.data(), B, kH2, kOut, false);
    const float scale = 2.f / static_cast<float>(B * kOut);  // d mean((out-y)^2)
    for (std::size_t i = 0; i < out.size(); ++i) g3[i] = scale * (out[i] - d.y[i]);
    rt::gemm<float>(true, false, kOut, kH2, B, 1.f, g3.data(), kOut, h2.data(), kH2, 0.f, dw3.data(), kH2);
    colsum(g3, db3, B, kOut);
    rt::gemm<float>(false, false, B, kH2, kOut, 1.f, g3.data(), kOut, d.w3.data(), kH2, 0.f, g2.data(), kH2);
    for (std::size_t i = 0; i < g2.size(); ++i) g2[i] = h2[i] > 0 ? g2[i] : 0;
    rt::gemm<float>(true, false, kH2, kH1, B, 1.f, g2.data(), kH2, h1.data(), kH1, 0.f, dw2.data(), kH1);
    colsum(g2, db2, B, kH2);
    rt::gemm<float>(false, false, B, kH1, kH2, 1.f, g2.data(), kH2, d.w2.data(), kH1, 0.f, g1.data(), kH1);
    for (std::size_t i = 0; i < g1.size(); ++i) g1[i] = h1[i] > 0 ? g1[i] : 0;
    rt::gemm<float>(true, false, kH1, kIn, B, 1.f, g1.data(), kH1, d.x.data(), kIn, 0.f, dw1.data(), kIn);
    colsum(g1, db1, B, kH1);
    sgd(d.w1, dw1), sgd(d.b1, db1), sgd(d.w2, dw2), sgd(d.b2, db2), sgd(d.w3, dw3), sgd(d.b3, db3);
  }
};

// OpenBLAS sgemm rate (FLOP/ms) on a large square product.
double sgemm_flops_per_ms() {
  const std::int64_t n = 512;
  std::vector<float> a(static_cast<std::size_t>(n * n), 0.5f), b(a), c(a);
  const double ms = time_ms([&] { rt::gemm<float>(false, false, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n); });
  return 2.0 * static_cast<double>(n * n * n) / ms;
}


}  // namespace

int main(int argc, char** argv) {
  const bool json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  rt::set_blas_threads(1);
  const double rate = sgemm_flops_per_ms();
  nlohmann::json out{{"blas.sgemm_gflops", rate / 1e6}, {"blas.threads", rt::blas_threads()}};
  for (std::int64_t B : {1, 16, 128}) {
    const Data d = make_data(B);
    const std::string k = "mlp_b" + std::to_string(B) + ".";
    CompiledStep compiled(B, d);
    RawStep raw(B, d);
    // One median each, by the same time_ms as every contestant (libtorch too).
    out[k + "compiled_ms"] = time_ms([&] { compiled.step(); });
    out[k + "raw_blas_ms"] = time_ms([&] { raw.step(); });
    out[k + "limit_ms"] = time_ms([&] { raw.gemms_only(); });
    out[k + "eager_ms"] = session_step_ms<rt::Session<float>>(B, d);
    out[k + "linked_ms"] = session_step_ms<rt::LinkedSession<float>>(B, d);
    if (!json)
      fmt::print("MLP 784-256-128-10 step, batch {:>3}: eager {:.3f} ms, linked {:.3f} ms, compiled {:.3f} ms, raw OpenBLAS {:.3f} ms ({:.2f}x), GEMM limit {:.3f} ms\n",
                 B, out[k + "eager_ms"].get<double>(), out[k + "linked_ms"].get<double>(), out[k + "compiled_ms"].get<double>(), out[k + "raw_blas_ms"].get<double>(),
                 out[k + "compiled_ms"].get<double>() / out[k + "raw_blas_ms"].get<double>(), out[k + "limit_ms"].get<double>());
  }
  out["chain.us_per_step"] = chain_us_per_step();
  memory(out);
  if (!json)
    fmt::print("scalar chain: {:.3f} us per step (eager); memory over 1,000 linked steps: peak {:.1f} MB, growth {:.2f} MB\n",
               out["chain.us_per_step"].get<double>(), out["mem.peak_rss_mb"].get<double>(), out["mem.growth_mb"].get<double>());
  if (json) fmt::print("{}\n", out.dump(2));
  else fmt::print("OpenBLAS sgemm: {:.1f} GFLOP/s on one thread\n", rate / 1e6);
}
