#define BOOST_TEST_MODULE train_transformer
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>

#include "vt/runtime/program.hpp"
#include "vt/train/transformer.hpp"
#include "vt/spec/text_format.hpp"
#include "train/tests/support.hpp"

// The tiny Transformer of examples/tiny_transformer.cpp: its checked-in
// graph is what the builder makes, the sort task is what it says, and the
// fused-attention model computes what the all-primitives model does.

using namespace vt;
using namespace vt::train::testing;

BOOST_AUTO_TEST_CASE(checked_in_graph_is_the_builders) {
  const auto path = source_path("examples/graphs/tiny_transformer.vtg");
  train::TransformerShape s;
  s.batch = 2;
  BOOST_TEST(spec::print_vtg(spec::load_vtg_file(path.string())) == spec::print_vtg(train::build_tiny_transformer(s)),
             "regenerate with: build/bin/example_tiny_transformer --print-graph 2 > examples/graphs/tiny_transformer.vtg");
}

BOOST_AUTO_TEST_CASE(sort_task_targets_are_the_sorted_tokens_and_seeded) {
  train::Rng a(5, 2), b(5, 2);
  const train::SequenceBatch x = train::make_sort_batch(a, 50, 8, 10), y = train::make_sort_batch(b, 50, 8, 10);
  BOOST_TEST(x.tokens == y.tokens);
  std::vector<int> seen(10, 0);
  for (std::size_t r = 0; r < 50; ++r) {
    std::vector<std::int64_t> row(x.tokens.begin() + static_cast<std::ptrdiff_t>(r * 8), x.tokens.begin() + static_cast<std::ptrdiff_t>(r * 8 + 8));
    for (auto v : row) ++seen[static_cast<std::size_t>(v)];
    std::sort(row.begin(), row.end());
    BOOST_TEST(std::equal(row.begin(), row.end(), x.targets.begin() + static_cast<std::ptrdiff_t>(r * 8)));
  }
  BOOST_TEST(*std::min_element(seen.begin(), seen.end()) > 20);  // every digit drawn (400 draws)
  BOOST_CHECK_THROW(train::make_sort_batch(a, 1, 0, 10), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(fused_and_primitive_attention_models_agree) {
  train::TransformerShape s;
  s.batch = 4, s.dtype = spec::DType::f64;
  const spec::GraphData fused = train::build_tiny_transformer(s);
  s.fused_attention = false;
  const spec::GraphData prims = train::build_tiny_transformer(s);
  BOOST_TEST(prims.nodes.size() > fused.nodes.size());
  rt::Program<double> pf(fused), pp(prims);
  train::Rng init(3, 1), data(3, 2);
  const auto params = train::init_transformer_params<double>(fused, init);
  const train::SequenceBatch batch = train::make_sort_batch(data, s.batch, s.seq, s.vocab);
  for (rt::Program<double>* p : {&pf, &pp}) {
    p->set_params(params);
    p->set("tokens", std::vector<double>(batch.tokens.begin(), batch.tokens.end()));
    p->set("targets", std::vector<double>(batch.targets.begin(), batch.targets.end()));
    p->forward();
    p->backward();
  }
  BOOST_TEST(std::abs(pf.output(0)[0] - pp.output(0)[0]) <= 1e-13 * std::abs(pp.output(0)[0]));
  const std::vector<std::string>& names = pf.param_names();
  BOOST_TEST(names == pp.param_names());
  // Against the largest gradient of all: attn.k.bias's gradient is 0 in
  // exact arithmetic (a key bias shifts whole softmax rows) and rounding
  // noise of ~1e-19 in both models, so its own size is no scale.
  double scale = 0;
  for (const auto& n : names)
    for (double v : pp.grad(n)->data) scale = std::max(scale, std::abs(v));
  for (const auto& n : names) {
    const auto &gf = *pf.grad(n), &gp = *pp.grad(n);
    double err = 0;
    for (std::int64_t i = 0; i < gf.numel(); ++i) err = worse(err, std::abs(gf[i] - gp[i]));
    BOOST_TEST(err <= 1e-13 * scale, n << ": max difference " << err << " against max |g| " << scale);
  }
}
