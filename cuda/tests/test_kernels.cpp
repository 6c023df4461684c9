// labels: unit cuda
#define BOOST_TEST_MODULE cuda_kernels
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <map>
#include <random>

#include "vt/cuda/emulated_backend.hpp"
#include "vt/spec/index_maps.hpp"
#include "vt/spec/mutation.hpp"

// The kernels under the emulator against the op table's generic code on the
// same inputs: bitwise equal wherever a kernel adds in the CPU loop's order
// (every kernel but the full-reduction tree), for values and gradients, f32
// and f64, deterministic and atomic accumulation, at launch-boundary sizes.
// Also: the per-thread index maps equal the CPU's index tables, and each
// planted CUDA bug is reported by the emulator or changes the result.

using namespace vt;
using spec::Dense;
using spec::Shape;

namespace {

spec::AttrMap attrs(std::vector<spec::AttrMap::Entry> e = {}) { return spec::AttrMap::from_entries(std::move(e)); }

template <class S>
Dense<S> random_dense(const Shape& s, std::mt19937& rng, bool positive) {
  std::uniform_real_distribution<double> u(positive ? 0.25 : -2.0, 2.0);
  Dense<S> d = Dense<S>::full(s, S(0));
  for (auto& v : d.data) v = static_cast<S>(u(rng));
  return d;
}

template <class S>
bool bitwise_equal(const Dense<S>& a, const Dense<S>& b) {
  return a.shape == b.shape && std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(S)) == 0;
}

struct OpRun {
  std::string op;
  std::vector<Shape> shapes;
  spec::AttrMap a;
  std::map<std::size_t, std::vector<double>> indices = {};  // i64 inputs, by position
};

// Runs forward and VJP (every input's gradient, accumulated onto a nonzero
// start so that accumulation order shows) on the generic backend and on the
// emulated kernels; requires bitwise equality and a kernel (no fallback).
template <class S>
void same_as_generic(const OpRun& r, cuda::Accumulate mode, unsigned seed) {
  BOOST_TEST_CONTEXT(r.op << " on " << (r.shapes.empty() ? std::string("no input") : spec::to_string(r.shapes[0])) << (sizeof(S) == 4 ? " f32" : " f64")
                          << (mode == cuda::Accumulate::atomic ? " atomic" : " deterministic")) {
    const spec::OpInfo& info = *spec::find_op(r.op);
    std::mt19937 rng(seed);
    const bool positive = r.op == "log" || r.op == "sqrt" || r.op == "div" || r.op == "pow";
    std::vector<Dense<S>> in;
    std::vector<spec::TensorType> types;
    for (const Shape& s : r.shapes) {
      in.push_back(random_dense<S>(s, rng, positive));
      types.push_back({sizeof(S) == 4 ? spec::DType::f32 : spec::DType::f64, s});
    }
    if (r.op == "cross_entropy") {  // class indices
      for (auto& v : in[1].data) v = static_cast<S>(rng() % static_cast<unsigned>(r.shapes[0][1]));
      types[1].dtype = spec::DType::i64;
    }
    for (const auto& [k, v] : r.indices) {
      in[k].data.assign(v.begin(), v.end());
      types[k].dtype = spec::DType::i64;
    }
    std::vector<const Dense<S>*> ins;
    for (const auto& d : in) ins.push_back(&d);
    const Shape ys = info.infer(types, r.a).shape;
    Dense<S> y_ref = Dense<S>::full(ys, S(0)), y = y_ref;
    spec::DenseBackend<S> generic;
    cuda::EmulatedBackend<S> emulated(mode);
    generic.forward(info.id, ins, r.a, y_ref);
    emulated.forward(info.id, ins, r.a, y);
    BOOST_TEST(bitwise_equal(y, y_ref));
    const Dense<S> g = random_dense<S>(ys, rng, false);
    std::vector<Dense<S>> dx_ref, dx;
    for (const auto& d : in) dx_ref.push_back(random_dense<S>(d.shape, rng, false));
    dx = dx_ref;
    std::vector<Dense<S>*> pr, p;
    for (std::size_t i = 0; i < in.size(); ++i) pr.push_back(&dx_ref[i]), p.push_back(&dx[i]);
    generic.vjp(info.id, ins, y_ref, g, r.a, pr, {});
    emulated.vjp(info.id, ins, y, g, r.a, p, {});
    for (std::size_t i = 0; i < in.size(); ++i) BOOST_TEST(bitwise_equal(dx[i], dx_ref[i]), "gradient of input " << i);
    BOOST_TEST(emulated.host_fallbacks().empty());
  }
}

std::vector<OpRun> kernel_cases() {
  std::vector<OpRun> c;
  for (const char* u : {"neg", "square", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "silu", "log_sigmoid", "log1p", "expm1"})
    for (const std::int64_t n : {1, 31, 33, 257, 1025}) c.push_back({u, {Shape{n}}, attrs()});
  for (const char* b : {"add", "sub", "mul", "div", "maximum", "minimum"}) {
    c.push_back({b, {Shape{3, 257}, Shape{3, 257}}, attrs()});
    c.push_back({b, {Shape{5, 1, 33}, Shape{4, 1}}, attrs()});  // both operands broadcast
    c.push_back({b, {Shape{}, Shape{2, 3}}, attrs()});
  }
  c.push_back({"clamp", {Shape{257}}, attrs({{"min", -0.5}, {"max", 0.75}})});
  c.push_back({"clamp", {Shape{33}}, attrs({{"min", 0.0}})});
  c.push_back({"softplus", {Shape{257}}, attrs()});
  c.push_back({"softplus", {Shape{33}}, attrs({{"beta", 2.0}, {"threshold", 1.0}})});
  c.push_back({"gelu", {Shape{257}}, attrs()});
  c.push_back({"gelu", {Shape{33}}, attrs({{"approximate", std::string("tanh")}})});
  c.push_back({"pow", {Shape{257}}, attrs({{"exponent", 3.0}})});
  c.push_back({"pow", {Shape{33}}, attrs({{"exponent", 0.0}})});
  c.push_back({"pow", {Shape{4, 33}, Shape{33}}, attrs()});
  c.push_back({"dropout", {Shape{1025}}, attrs({{"p", 0.25}, {"seed", std::int64_t{7}}})});
  c.push_back({"dropout", {Shape{33}}, attrs({{"training", false}})});
  // Repeated indices: the backward passes accumulate (CSR in order, or atomics).
  c.push_back({"gather", {Shape{3, 4}, Shape{3, 5}}, attrs({{"axis", std::int64_t{1}}}), {{1, {0, 3, 3, 1, 0, 2, 2, 2, 1, 0, 3, 0, 0, 0, 1}}}});
  c.push_back({"embedding", {Shape{5, 3}, Shape{2, 4}}, attrs(), {{1, {4, 0, 4, 1, 1, 1, 2, 4}}}});
  c.push_back({"scatter_add", {Shape{4, 3}, Shape{2, 3}, Shape{2, 3}}, attrs({{"axis", std::int64_t{0}}}), {{1, {3, 0, 3, 3, 1, 0}}}});
  c.push_back({"matmul", {Shape{3, 5}, Shape{5, 4}}, attrs()});
  c.push_back({"matmul", {Shape{2, 1, 3, 5}, Shape{3, 5, 33}}, attrs()});  // both batches broadcast
  c.push_back({"linear", {Shape{4, 7}, Shape{5, 7}, Shape{5}}, attrs()});
  c.push_back({"linear", {Shape{2, 3, 7}, Shape{257, 7}}, attrs()});
  c.push_back({"layer_norm", {Shape{3, 257}, Shape{257}, Shape{257}}, attrs({{"normalized_shape", spec::IntList{257}}})});
  c.push_back({"layer_norm", {Shape{2, 4, 3}}, attrs({{"normalized_shape", spec::IntList{4, 3}}, {"eps", 1e-3}})});
  c.push_back({"layer_norm", {Shape{5, 1}, Shape{1}}, attrs({{"normalized_shape", spec::IntList{1}}})});  // groups of one: dx exactly 0
  c.push_back({"full", {}, attrs({{"shape", spec::IntList{3, 257}}, {"value", 0.1}})});
  c.push_back({"constant", {}, attrs({{"value", spec::FloatList{1.5, -2.25, 0.1}}})});
  c.push_back({"arange", {}, attrs({{"start", 0.5}, {"end", 300.0}, {"step", 0.7}})});
  c.push_back({"concat", {Shape{2, 3}, Shape{2, 5}, Shape{2, 1}}, attrs({{"axis", std::int64_t{1}}})});
  c.push_back({"permute", {Shape{2, 3, 4}}, attrs({{"perm", spec::IntList{2, 0, 1}}})});
  c.push_back({"transpose", {Shape{33, 7}}, attrs()});
  c.push_back({"reshape", {Shape{6, 5}}, attrs({{"shape", spec::IntList{5, -1}}})});
  c.push_back({"flatten", {Shape{2, 3, 4}}, attrs()});
  c.push_back({"narrow", {Shape{3, 7, 5}}, attrs({{"axis", std::int64_t{1}}, {"start", std::int64_t{2}}, {"length", std::int64_t{4}}})});
  c.push_back({"broadcast_to", {Shape{3, 1}}, attrs({{"shape", spec::IntList{2, 3, 257}}})});
  for (const char* s : {"softmax", "log_softmax"}) {
    c.push_back({s, {Shape{3, 257}}, attrs()});
    c.push_back({s, {Shape{4, 5, 3}}, attrs({{"axis", std::int64_t{1}}})});
  }
  c.push_back({"mse_loss", {Shape{3, 5}, Shape{3, 5}}, attrs()});
  c.push_back({"cross_entropy", {Shape{6, 5}, Shape{6}}, attrs()});
  c.push_back({"cross_entropy", {Shape{1, 257}, Shape{1}}, attrs()});
  for (const char* e : {"amax", "amin", "max", "min", "argmax", "argmin"}) {
    c.push_back({e, {Shape{4, 33, 3}}, attrs({{"axis", std::int64_t{1}}})});
    c.push_back({e, {Shape{5, 7}}, attrs()});
    c.push_back({e, {Shape{5, 7}}, attrs({{"axis", std::int64_t{0}}, {"keepdim", true}})});
  }
  for (const char* r : {"sum", "mean"}) {
    c.push_back({r, {Shape{4, 33, 3}}, attrs({{"axes", spec::IntList{1}}})});
    c.push_back({r, {Shape{4, 5, 3}}, attrs({{"axes", spec::IntList{0, 2}}, {"keepdim", true}})});
    c.push_back({r, {Shape{7, 73}}, attrs()});  // a full reduction of 511 elements: still one thread
    c.push_back({r, {Shape{0, 3}}, attrs({{"axes", spec::IntList{0}}})});  // mean over nothing: NaN, as 0/0
  }
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(kernels_equal_the_generic_code_bitwise) {
  unsigned seed = 1;
  for (const OpRun& r : kernel_cases())
    for (const auto mode : {cuda::Accumulate::deterministic, cuda::Accumulate::atomic}) {
      same_as_generic<float>(r, mode, ++seed);
      same_as_generic<double>(r, mode, ++seed);
    }
}

BOOST_AUTO_TEST_CASE(thread_index_maps_equal_the_cpu_index_tables) {
  const std::vector<std::pair<Shape, Shape>> bc = {{{}, {2, 3}}, {{3, 1}, {2, 3, 4}}, {{1, 4}, {3, 4}}, {{5}, {2, 5}}, {{2, 1, 3}, {2, 4, 3}}};
  for (const auto& [from, to] : bc) {
    const auto table = spec::broadcast_index(from, to);
    const spec::StridedIndex m = spec::broadcast_map(from, to);
    for (std::int64_t i = 0; i < to.numel(); ++i) BOOST_TEST(m(i) == table[static_cast<std::size_t>(i)]);
    // reduction_map lists, for each source element, exactly the targets that
    // read it, in increasing order.
    const spec::ReductionMap r = spec::reduction_map(from, to);
    std::vector<std::vector<std::int64_t>> readers(static_cast<std::size_t>(from.numel()));
    for (std::int64_t i = 0; i < to.numel(); ++i) readers[static_cast<std::size_t>(table[static_cast<std::size_t>(i)])].push_back(i);
    for (std::int64_t j = 0; j < from.numel(); ++j) {
      std::vector<std::int64_t> got;
      for (std::int64_t k = 0; k < r.fiber.count(); ++k) got.push_back(r.base(j) + r.fiber(k));
      BOOST_TEST(got == readers[static_cast<std::size_t>(j)], spec::to_string(from) << " -> " << spec::to_string(to) << " element " << j);
    }
  }
  const Shape s{2, 3, 4, 5};
  for (const std::vector<std::int64_t>& perm : {std::vector<std::int64_t>{3, 1, 0, 2}, {0, 1, 2, 3}, {1, 0, 3, 2}}) {
    const auto table = spec::permute_index(s, perm);
    const spec::StridedIndex m = spec::permute_map(s, perm);
    for (std::int64_t i = 0; i < s.numel(); ++i) BOOST_TEST(m(i) == table[static_cast<std::size_t>(i)]);
  }
  BOOST_CHECK_THROW(spec::broadcast_map(Shape{1}, Shape(std::vector<std::int64_t>(9, 1))), spec::UsageError);
}

BOOST_AUTO_TEST_CASE(a_long_full_reduction_runs_the_tree_within_the_dot_contract) {
  for (const std::int64_t n : {513, 1024, 1025, 70000}) {
    std::mt19937 rng(static_cast<unsigned>(n));
    const Dense<float> x = random_dense<float>(Shape{n}, rng, false);
    Dense<float> y = Dense<float>::full(Shape{}, 0.0f);
    cuda::EmulatedBackend<float> emulated;
    const spec::Dense<float>* in[] = {&x};
    emulated.forward(spec::find_op("sum")->id, in, attrs(), y);
    double exact = 0, abs_sum = 0;  // in double: exact enough here (n * 2^-53 * sum|x| is far below the bound)
    for (float v : x.data) exact += v, abs_sum += std::abs(v);
    const double u = std::ldexp(1.0, -24), gamma = n * u / (1 - n * u);
    BOOST_TEST(std::abs(y.data[0] - exact) <= gamma * abs_sum, "n = " << n);
    BOOST_TEST(emulated.host_fallbacks().empty());
  }
}

BOOST_AUTO_TEST_CASE(an_op_without_kernels_runs_on_the_host_and_is_counted) {
  const Dense<float> x = Dense<float>::full(Shape{2, 3}, 1.0f);
  Dense<float> y = Dense<float>::full(Shape{2, 3}, 0.0f);
  cuda::EmulatedBackend<float> emulated;
  const Dense<float> c = Dense<float>::full(Shape{3}, 0.5f);
  const spec::Dense<float>* bn[] = {&x, &c, &c, &c, &c};  // eval mode: (x - 0.5) / sqrt(0.5 + eps) * 0.5 + 0.5
  emulated.forward(spec::find_op("batch_norm")->id, bn, attrs(), y);
  BOOST_TEST(std::abs(y.data[0] - (0.5f / std::sqrt(0.5f + 1e-5f) * 0.5f + 0.5f)) < 1e-6f);
  BOOST_TEST(emulated.host_fallbacks().at("batch_norm forward") == 1);
}

namespace {
// Runs one op under a planted bug; returns the fault message, or "" if the
// run completed (then `changed` says whether the result differs).
std::string under_bug(spec::mutation::Mutant m, const OpRun& r, cuda::Accumulate mode, bool& changed) {
  const spec::OpInfo& info = *spec::find_op(r.op);
  std::mt19937 rng(7);
  std::vector<Dense<float>> in;
  std::vector<spec::TensorType> types;
  for (const Shape& s : r.shapes) in.push_back(random_dense<float>(s, rng, false)), types.push_back({spec::DType::f32, s});
  std::vector<const Dense<float>*> ins;
  for (const auto& d : in) ins.push_back(&d);
  const Shape ys = info.infer(types, r.a).shape;
  Dense<float> y_ok = Dense<float>::full(ys, 0.0f), y = y_ok;
  const Dense<float> g = random_dense<float>(ys, rng, false);
  std::vector<Dense<float>> dx_ok, dx;
  for (const auto& d : in) dx_ok.push_back(Dense<float>::full(d.shape, 0.0f));
  dx = dx_ok;
  std::vector<Dense<float>*> pok, p;
  for (std::size_t i = 0; i < in.size(); ++i) pok.push_back(&dx_ok[i]), p.push_back(&dx[i]);
  cuda::EmulatedBackend<float> backend(mode);
  backend.forward(info.id, ins, r.a, y_ok);
  backend.vjp(info.id, ins, y_ok, g, r.a, pok, {});
  const spec::mutation::Plant planted(m);
  try {
    backend.forward(info.id, ins, r.a, y);
    backend.vjp(info.id, ins, y_ok, g, r.a, p, {});
  } catch (const cuda::KernelFault& e) {
    return e.what();
  }
  changed = !bitwise_equal(y, y_ok);
  for (std::size_t i = 0; i < in.size(); ++i) changed = changed || !bitwise_equal(dx[i], dx_ok[i]);
  return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(each_planted_cuda_bug_is_caught_here) {
  using M = spec::mutation::Mutant;
  bool changed = false;
  const std::string off = under_bug(M::cuda_guard_off_by_one, {"exp", {Shape{257}}, attrs()}, cuda::Accumulate::deterministic, changed);
  BOOST_TEST(off.find("out-of-bounds access") != std::string::npos, off);
  BOOST_TEST(off.find("x[257] (extent 257)") != std::string::npos, off);

  const std::string race = under_bug(M::cuda_missing_atomic, {"add", {Shape{4, 3}, Shape{3}}, attrs()}, cuda::Accumulate::atomic, changed);
  BOOST_TEST(race.find("race") != std::string::npos, race);
  BOOST_TEST(race.find("db[") != std::string::npos, race);

  const std::string unwritten = under_bug(M::cuda_unwritten_output, {"sum", {Shape{4, 3}}, attrs({{"axes", spec::IntList{1}}})},
                                          cuda::Accumulate::deterministic, changed);
  BOOST_TEST(unwritten.find("unwritten output: y[3] (extent 4) was never written") != std::string::npos, unwritten);

  // Dropping the last partial block loses data without touching memory
  // wrongly: the emulator is silent and the value changes (the contract
  // properties catch it against the exact sum).
  changed = false;
  const std::string dropped = under_bug(M::cuda_reduction_drops_partial_block, {"sum", {Shape{1000}}, attrs()},
                                        cuda::Accumulate::deterministic, changed);
  BOOST_TEST(dropped.empty(), dropped);
  BOOST_TEST(changed);

  const std::string narrow = under_bug(M::cuda_index_overflow_32, {"neg", {Shape{40000}}, attrs()}, cuda::Accumulate::deterministic, changed);
  BOOST_TEST(narrow.find("32-bit index overflow") != std::string::npos, narrow);
  // Below 2^15 elements the narrow model holds every index: nothing to find.
  changed = true;
  BOOST_TEST(under_bug(M::cuda_index_overflow_32, {"neg", {Shape{30000}}, attrs()}, cuda::Accumulate::deterministic, changed).empty());
  BOOST_TEST(!changed);
}
