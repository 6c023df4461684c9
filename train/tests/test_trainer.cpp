#define BOOST_TEST_MODULE train_trainer
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "vt/train/model.hpp"
#include "vt/train/synthetic.hpp"
#include "vt/train/trainer.hpp"
#include "train/tests/support.hpp"

// The training loop: the same numbers on every backend, bitwise determinism,
// resumption that continues bitwise as if never interrupted, and a NaN loss
// stopped with the node named.

using namespace vt;
using namespace vt::train::testing;

namespace {

struct Fixture {
  train::Dataset train, val;
  train::ModelSpec model = train::ModelSpec::parse("mlp:16-3");
  Fixture() {
    train::Split s = train::split(train::make_blobs(120, 3, 4, 11), 0.25, 5);
    train = std::move(s.train);
    val = std::move(s.validation);
  }
  train::ModelRunner<float>::GraphFor graph_for() const {
    return [m = model, f = train.features](std::int64_t rows) {
      return train::build_model(m, {.batch = rows, .features = f, .classes = 3, .dtype = spec::DType::f32});
    };
  }
  std::unique_ptr<train::ModelRunner<float>> runner(train::BackendKind k, std::uint64_t seed = 3) const {
    train::Rng rng(seed, 1);
    return train::make_runner<float>(k, graph_for(), train::init_params<float>(graph_for()(1), rng));
  }
  train::TrainOptions options(std::int64_t epochs) const {
    train::TrainOptions o;
    o.epochs = epochs;
    o.batch_size = 16;  // 90 rows: the last batch of each epoch has 10 (another program, another graph)
    o.seed = 9;
    o.optimizer = train::OptimKind::SGD;
    o.optim = train::OptimOptions::defaults(train::OptimKind::SGD);
    o.optim.lr = 0.1;
    o.optim.momentum = 0.9;
    o.schedule = "cosine";
    return o;
  }
};

std::vector<std::vector<float>> weights(train::ModelRunner<float>& r) {
  std::vector<std::vector<float>> out;
  for (const auto& v : r.params()) out.push_back(v.value->data);
  return out;
}

bool bitwise_equal(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0) return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(training_learns_the_blobs_and_logs_every_epoch) {
  Fixture f;
  auto r = f.runner(train::BackendKind::Compiled);
  train::Trainer<float> t(*r, f.train, f.val, f.options(8));
  const train::TrainSummary s = t.run();
  BOOST_TEST(s.history.size() == 8u);
  BOOST_TEST(s.history.back().step == 8 * 6);  // ceil(90 / 16) batches per epoch
  BOOST_TEST(s.history.back().train_loss < s.history.front().train_loss);
  BOOST_TEST(s.history.back().val_accuracy >= 0.9);
  // cosine annealing reaches ~0 at the last step
  BOOST_TEST(s.history.back().lr < 0.01 * 0.1);
}

BOOST_AUTO_TEST_CASE(eager_linked_and_compiled_train_to_bitwise_identical_weights) {
  Fixture f;
  std::vector<std::vector<std::vector<float>>> results;
  std::vector<std::string> logs;
  for (auto k : {train::BackendKind::Compiled, train::BackendKind::Eager, train::BackendKind::Linked}) {
    auto r = f.runner(k);
    train::Trainer<float> t(*r, f.train, f.val, f.options(3));
    logs.push_back(train::to_csv(t.run().history));
    results.push_back(weights(*r));
  }
  BOOST_TEST(bitwise_equal(results[0], results[1]));
  BOOST_TEST(bitwise_equal(results[0], results[2]));
  BOOST_TEST(logs[0] == logs[1]);
  BOOST_TEST(logs[0] == logs[2]);
}

BOOST_AUTO_TEST_CASE(same_seed_same_bits_other_seed_other_bits) {
  Fixture f;
  auto a = f.runner(train::BackendKind::Compiled), b = f.runner(train::BackendKind::Compiled), c = f.runner(train::BackendKind::Compiled, 4);
  train::Trainer<float>(*a, f.train, f.val, f.options(2)).run();
  train::Trainer<float>(*b, f.train, f.val, f.options(2)).run();
  train::Trainer<float>(*c, f.train, f.val, f.options(2)).run();
  BOOST_TEST(bitwise_equal(weights(*a), weights(*b)));
  BOOST_TEST(!bitwise_equal(weights(*a), weights(*c)));
}

BOOST_AUTO_TEST_CASE(a_resumed_run_ends_bitwise_where_the_uninterrupted_one_does) {
  Fixture f;
  for (auto k : {train::BackendKind::Compiled, train::BackendKind::Linked}) {
    const TempDir tmp;  // holds both run folders
    const auto dir_a = tmp.file("a"), dir_b = tmp.file("b");
    auto straight = f.runner(k);
    train::Trainer<float> ta(*straight, f.train, f.val, f.options(5));
    const train::RunFolder fa(dir_a);
    ta.set_run_folder(&fa);
    ta.run();

    auto first = f.runner(k);
    train::TrainOptions stop = f.options(5);
    stop.stop_after = 2;
    train::Trainer<float> tb(*first, f.train, f.val, stop);
    const train::RunFolder fb(dir_b);
    tb.set_run_folder(&fb);
    BOOST_TEST(tb.run().interrupted);
    BOOST_TEST(tb.epochs_done() == 2);

    // A new process would start from fresh (differently seeded) weights and
    // the checkpoint: so does this one.
    auto resumed = f.runner(k, 77);
    train::Trainer<float> tc(*resumed, f.train, f.val, f.options(5));
    tc.set_run_folder(&fb);
    tc.restore(rt::load_checkpoint(fb.checkpoint("last")));
    BOOST_TEST(tc.epochs_done() == 2);
    tc.run();
    BOOST_TEST(bitwise_equal(weights(*straight), weights(*resumed)));
    BOOST_TEST(slurp(dir_a / "log.csv") == slurp(dir_b / "log.csv"));
    BOOST_TEST(slurp(dir_a / "log.jsonl") == slurp(dir_b / "log.jsonl"));
    BOOST_TEST(slurp(dir_a / "checkpoints" / "last.vtck") == slurp(dir_b / "checkpoints" / "last.vtck"));
    BOOST_TEST(slurp(dir_a / "curve.svg").find("<svg") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_another_model_is_refused_before_anything_changes) {
  Fixture f;
  auto r = f.runner(train::BackendKind::Compiled);
  train::Trainer<float> t(*r, f.train, f.val, f.options(1));
  t.run();
  const rt::Checkpoint c = t.checkpoint();

  Fixture g;
  g.model = train::ModelSpec::parse("mlp:8-3");
  auto other = g.runner(train::BackendKind::Compiled);
  const auto before = weights(*other);
  train::Trainer<float> u(*other, g.train, g.val, g.options(1));
  BOOST_CHECK_EXCEPTION(u.restore(c), rt::CheckpointError, [](const rt::CheckpointError& e) {
    return std::string(e.what()).find("param/fc1.weight") != std::string::npos && std::string(e.what()).find("[8, 4]") != std::string::npos;
  });
  BOOST_TEST(bitwise_equal(before, weights(*other)));
  BOOST_TEST(u.epochs_done() == 0);
}

BOOST_AUTO_TEST_CASE(a_loss_that_becomes_nan_stops_the_run_naming_step_and_node) {
  Fixture f;
  auto r = f.runner(train::BackendKind::Eager);
  train::TrainOptions o = f.options(1);
  o.optim.lr = 1e30;  // weights of ~1e29 after one step: the second layer overflows f32
  train::Trainer<float> t(*r, f.train, f.val, o);
  BOOST_CHECK_EXCEPTION(t.run(), train::NonFiniteLoss, [](const train::NonFiniteLoss& e) {
    const std::string m = e.what();
    BOOST_TEST_MESSAGE(m);
    return m.find("step ") != std::string::npos && m.find("first non-finite value: %") != std::string::npos && m.find("linear") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(model_specs_parse_and_refuse_nonsense) {
  const auto m = train::ModelSpec::parse("mlp:64-64-10:tanh");
  BOOST_TEST(m.widths == (std::vector<std::int64_t>{64, 64, 10}));
  BOOST_TEST(m.activation == "tanh");
  BOOST_TEST(m.text() == "mlp:64-64-10:tanh");
  for (const char* bad : {"mlp:", "mlp:64--10", "mlp:0-10", "mlp:64-x", "cnn:3", "mlp:64-10:gelu", "mlp:99999999999"})
    BOOST_CHECK_THROW(train::ModelSpec::parse(bad), std::invalid_argument);
  BOOST_CHECK_THROW(train::build_model(m, {.batch = 2, .features = 4, .classes = 3}), std::invalid_argument);
  const spec::GraphData g = train::build_model(m, {.batch = 2, .features = 4, .classes = 10});
  BOOST_TEST(g.args.size() == 8u);  // x, y, 3 x (weight, bias)
  BOOST_TEST(g.args[2].name == "fc1.weight");
  BOOST_TEST(g.outputs.size() == 2u);
}

BOOST_AUTO_TEST_CASE(initialization_follows_torch_linear_bounds) {
  const auto m = train::ModelSpec::parse("mlp:100-10");
  const spec::GraphData g = train::build_model(m, {.batch = 1, .features = 25, .classes = 10});
  train::Rng rng(1, 1);
  const auto p = train::init_params<double>(g, rng);
  BOOST_TEST(p.size() == 4u);
  const auto max_abs = [](const spec::Dense<double>& d) {
    double m = 0;
    for (double v : d.data) m = std::max(m, std::abs(v));
    return m;
  };
  BOOST_TEST(max_abs(p[0]) <= 0.2);   // 1/sqrt(25)
  BOOST_TEST(max_abs(p[0]) > 0.19);   // 2,500 draws come close to the bound
  BOOST_TEST(max_abs(p[2]) <= 0.1);   // 1/sqrt(100)
  BOOST_TEST(max_abs(p[3]) <= 0.1);   // bias of fc2: fan_in 100
}

BOOST_AUTO_TEST_CASE(early_stopping_ends_the_run_after_patience_epochs_without_progress) {
  Fixture f;
  auto r = f.runner(train::BackendKind::Compiled);
  train::TrainOptions o = f.options(50);
  o.schedule = "constant";
  o.optim.lr = 0;  // nothing changes: the validation loss never improves after epoch 1
  o.patience = 3;
  train::Trainer<float> t(*r, f.train, f.val, o);
  const train::TrainSummary s = t.run();
  BOOST_TEST(s.early_stopped);
  BOOST_TEST(s.best_epoch == 1);
  BOOST_TEST(s.history.size() == 4u);  // epoch 1, then 3 without a better loss
}

BOOST_AUTO_TEST_CASE(a_step_budget_ends_mid_epoch) {
  Fixture f;
  auto r = f.runner(train::BackendKind::Compiled);
  train::TrainOptions o = f.options(1);
  o.steps = 10;  // 6 batches per epoch: one full epoch and 4 batches of the second
  train::Trainer<float> t(*r, f.train, f.val, o);
  const train::TrainSummary s = t.run();
  BOOST_TEST(s.history.size() == 2u);
  BOOST_TEST(s.history[0].step == 6);
  BOOST_TEST(s.history[1].step == 10);
  BOOST_TEST(t.steps_done() == 10);
}
