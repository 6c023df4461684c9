// labels: property
#define BOOST_TEST_MODULE proptests_realistic_shapes
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <string>

#include "vt/proptests/coverage.hpp"
#include "vt/proptests/graph_gen.hpp"
#include "vt/runtime/kernel_paths.hpp"
#include "vt/spec/op_table.hpp"
#include "vt/spec/verifier.hpp"

// The realistic profile (`veritape check --shapes realistic`): its graphs
// reach dimensions far past the small profile's 4 while every value stays
// within 4,096 elements, and together they take every FastKernel path the
// kernels export (rt::kernel_paths()), except those the table marks as out
// of reach (each naming the test that covers it instead).

using namespace vt;
using proptests::GenOptions;
using proptests::GraphCase;

namespace {

GraphCase sample(const GenOptions& o, std::uint64_t seed, int size) {
  return proptests::gen_graph_case(o)(rc::Random(seed), size).value();
}

constexpr int kCases = 1500;

}  // namespace

BOOST_AUTO_TEST_CASE(the_kernel_path_table_names_real_ops_and_sizes) {
  const auto& paths = rt::kernel_paths();
  BOOST_TEST(paths.size() >= 40u);
  for (const rt::KernelPath& p : paths) {
    BOOST_TEST(spec::find_op(p.op) != nullptr, p.op);
    for (const std::int64_t s : p.sizes) BOOST_TEST(s >= 1, p.op << ": " << p.path);
  }
  // The switch sizes reach past the small profile's dimensions (max 4).
  const auto sizes = rt::kernel_path_sizes();
  BOOST_TEST(std::is_sorted(sizes.begin(), sizes.end()));
  BOOST_TEST(sizes.back() >= 64);
  BOOST_TEST(rt::kernel_path_sizes("conv2d").size() < sizes.size());
}

BOOST_AUTO_TEST_CASE(realistic_cases_are_large_but_within_their_budget) {
  for (const spec::DType dtype : {spec::DType::f32, spec::DType::f64}) {
    const GenOptions o = GenOptions::realistic(dtype);
    std::int64_t largest_dim = 0, largest_numel = 0, fast_nodes = 0, other_nodes = 0;
    for (int i = 0; i < 300; ++i) {
      const GraphCase c = sample(o, 7000 + static_cast<std::uint64_t>(i), i % 101);
      BOOST_REQUIRE(spec::verify_graph(c.graph).empty());
      const auto look = [&](const spec::TensorType& t) {
        largest_numel = std::max(largest_numel, t.shape.numel());
        for (std::size_t d = 0; d < t.shape.rank(); ++d) largest_dim = std::max(largest_dim, t.shape[d]);
      };
      for (const auto& a : c.graph.args) look(a.type);
      for (const auto& n : c.graph.nodes) {
        look(n.type);
        // Besides the loss, only domain wrappers, constants and the sums that
        // join dangling branches may lie outside the FastKernel ops.
        if (n.name != "loss") ++(std::find(o.ops.begin(), o.ops.end(), n.op) != o.ops.end() ? fast_nodes : other_nodes);
      }
    }
    BOOST_TEST(fast_nodes > 2 * other_nodes);
    BOOST_TEST(largest_numel <= o.max_numel);
    BOOST_TEST(largest_numel > 1024);
    BOOST_TEST(largest_dim > 64);
    BOOST_TEST(largest_dim <= 256);
  }
}

BOOST_AUTO_TEST_CASE(realistic_cases_take_every_reachable_kernel_path) {
  const auto& paths = rt::kernel_paths();
  std::vector<std::int64_t> taken(paths.size(), 0);
  const GenOptions o = GenOptions::realistic();
  for (int i = 0; i < kCases; ++i) {
    const auto t = proptests::kernel_paths_taken(sample(o, 9000 + static_cast<std::uint64_t>(i), i % 101).graph);
    for (std::size_t p = 0; p < paths.size(); ++p) taken[p] += t[p];
  }
  for (std::size_t p = 0; p < paths.size(); ++p) {
    BOOST_TEST_MESSAGE(taken[p] << " nodes: " << paths[p].op << ": " << paths[p].path);
    if (paths[p].beyond.empty())
      BOOST_TEST(taken[p] > 0, paths[p].op << ": " << paths[p].path << " was never taken in " << kCases << " realistic cases");
    else
      BOOST_TEST(taken[p] == 0, paths[p].op << ": " << paths[p].path << " is marked out of reach, yet taken");
  }
}

// Small shapes never reach conv2d's long-column path (K = C/groups*kh*kw >= 64):
// what the realistic profile exists for.
BOOST_AUTO_TEST_CASE(small_cases_never_take_the_long_column_path) {
  const auto& paths = rt::kernel_paths();
  const auto long_columns = std::find_if(paths.begin(), paths.end(), [](const rt::KernelPath& p) {
    return p.op == "conv2d" && p.path.find("transposed") != std::string_view::npos;
  });
  BOOST_REQUIRE(long_columns != paths.end());
  const auto index = static_cast<std::size_t>(long_columns - paths.begin());
  std::int64_t conv_nodes = 0;
  GenOptions o;
  o.ops = {"conv2d"};
  for (int i = 0; i < 500; ++i) {
    const GraphCase c = sample(o, 11000 + static_cast<std::uint64_t>(i), i % 101);
    BOOST_TEST(proptests::kernel_paths_taken(c.graph)[index] == 0);
    for (const auto& n : c.graph.nodes) conv_nodes += n.op == "conv2d";
  }
  BOOST_TEST(conv_nodes > 200);
}
