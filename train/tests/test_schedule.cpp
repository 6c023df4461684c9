#define BOOST_TEST_MODULE train_schedule
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vt/train/schedule.hpp"
#include "train/tests/support.hpp"

// Learning-rate schedules against torch.optim.lr_scheduler 1.13 (fixture from
// scripts/gen_torch_fixtures.py: the lr of every optimizer step of two
// parameter groups, the scheduler stepped once per optimizer step), and the
// CLI parser.

using namespace vt;
using train::Schedule;
using namespace vt::train::testing;

namespace {

const nlohmann::json& fixture() {
  static const nlohmann::json j = [] {
    std::ifstream in(fixture_path("torch_schedule.json"));
    if (!in) throw std::runtime_error("cannot open " + fixture_path("torch_schedule.json").string());
    return nlohmann::json::parse(in);
  }();
  return j;
}

Schedule::Kind kind_of(const std::string& k) {
  using K = Schedule::Kind;
  if (k == "constant") return K::Constant;
  if (k == "step") return K::Step;
  if (k == "exp") return K::Exponential;
  if (k == "cosine") return K::Cosine;
  if (k == "warmup") return K::LinearWarmup;
  if (k == "warmup-cosine") return K::WarmupCosine;
  if (k == "cyclic") return K::Cyclic;
  if (k == "onecycle") return K::OneCycle;
  throw std::runtime_error("fixture: unknown schedule kind " + k);
}

// The fixture's parameters, by the torch argument names of schedule.hpp.
Schedule from_spec(const nlohmann::json& spec) {
  Schedule s;
  s.kind = kind_of(spec.at("kind"));
  for (const auto& [k, v] : spec.items()) {
    if (k == "kind") continue;
    else if (k == "step_size") s.step_size = v;
    else if (k == "gamma") (s.kind == Schedule::Kind::Cyclic ? s.cyclic_gamma : s.gamma) = v;
    else if (k == "t_max") s.t_max = v;
    else if (k == "eta_min") s.eta_min = v;
    else if (k == "warmup_steps") s.warmup_steps = v;
    else if (k == "start_factor") s.start_factor = v;
    else if (k == "total_steps") s.total_steps = v;
    else if (k == "max_lr") s.max_lr = v;
    else if (k == "step_size_up") s.step_size_up = v;
    else if (k == "step_size_down") s.step_size_down = v;
    else if (k == "pct_start") s.pct_start = v;
    else if (k == "div_factor") s.div_factor = v;
    else if (k == "final_div_factor") s.final_div_factor = v;
    else if (k == "mode") s.cyclic_mode = v == "triangular2" ? Schedule::CyclicMode::Triangular2 : v == "exp_range" ? Schedule::CyclicMode::ExpRange : Schedule::CyclicMode::Triangular;
    else if (k == "anneal") s.anneal = v == "linear" ? Schedule::Anneal::Linear : Schedule::Anneal::Cos;
    else throw std::runtime_error("fixture: unknown schedule field " + k);
  }
  s.validate();
  return s;
}

struct Gap {
  double max_rel = 0;  // |ours - torch| / |torch| (0 when both are 0)
  std::size_t unequal = 0, compared = 0;
};

Gap gap(const Schedule& s, const nlohmann::json& c) {
  const auto base = fixture().at("base_lrs").get<std::vector<double>>();
  const auto& lrs = c.at("lrs");
  Gap g;
  for (std::size_t k = 0; k < lrs.size(); ++k)
    for (std::size_t grp = 0; grp < base.size(); ++grp) {
      const double torch = lrs[k][grp], ours = s.lr(static_cast<std::int64_t>(k), base[grp]);
      const double rel = torch == ours ? 0.0 : std::abs(ours - torch) / std::abs(torch);
      g.max_rel = std::max(g.max_rel, rel);
      g.unequal += torch != ours;
      ++g.compared;
    }
  return g;
}

}  // namespace

// Torch steps StepLR, ExponentialLR, LinearLR and CosineAnnealingLR
// recursively (lr *= factor each step) while we evaluate closed forms: after n
// steps the two differ by the n roundings of the products, relative error
// <= ~2n u, about 1e-14 for the 40 steps here. 1e-12 leaves room for
// hundreds of steps; a wrong formula is off by far more (planted below).
// CyclicLR and OneCycleLR are not recursive: same expressions, bitwise.
BOOST_AUTO_TEST_CASE(every_kind_matches_torch) {
  std::vector<bool> seen(8, false);
  double worst = 0;
  for (const auto& c : fixture().at("cases")) {
    BOOST_TEST_CONTEXT(c.at("name").get<std::string>()) {
      const Schedule s = from_spec(c.at("schedule"));
      seen[static_cast<std::size_t>(s.kind)] = true;
      const Gap g = gap(s, c);
      BOOST_TEST(g.compared >= 20u);
      BOOST_TEST(g.max_rel <= 1e-12);
      if (s.kind == Schedule::Kind::Cyclic || s.kind == Schedule::Kind::OneCycle || s.kind == Schedule::Kind::Constant)
        BOOST_TEST(g.unequal == 0u);
      worst = worse(worst, g.max_rel);
      // The CLI text, where the fixture gives one, means the same schedule.
      if (c.contains("text")) {
        const Schedule p = Schedule::parse(c.at("text").get<std::string>(), c.at("total_steps").get<std::int64_t>());
        BOOST_TEST(p.describe() == s.describe());
        BOOST_TEST(gap(p, c).max_rel <= 1e-12);
      }
    }
  }
  for (std::size_t k = 0; k < seen.size(); ++k) BOOST_TEST(seen[k], "kind " << k << " has a fixture");
  BOOST_TEST_MESSAGE("max relative difference to torch: " << worst);
}

// The comparison can fail: near-miss formulas are far outside the tolerance.
BOOST_AUTO_TEST_CASE(planted_schedule_bugs_fail_the_comparison) {
  auto find = [](const std::string& name) -> const nlohmann::json& {
    for (const auto& c : fixture().at("cases"))
      if (c.at("name") == name) return c;
    throw std::runtime_error("no case " + name);
  };
  Schedule s = from_spec(find("cosine_restart").at("schedule"));
  s.t_max += 1;  // off by one
  BOOST_TEST(gap(s, find("cosine_restart")).max_rel > 1e-3);
  s = from_spec(find("warmup_cosine").at("schedule"));
  s.kind = Schedule::Kind::Cosine, s.t_max = s.total_steps;  // warmup forgotten
  BOOST_TEST(gap(s, find("warmup_cosine")).max_rel > 1e-3);
  s = from_spec(find("step").at("schedule"));
  s.step_size -= 1;
  BOOST_TEST(gap(s, find("step")).max_rel > 1e-3);
  s = from_spec(find("cyclic_down").at("schedule"));
  s.step_size_down = 0;  // symmetric instead of 3 up / 5 down
  BOOST_TEST(gap(s, find("cyclic_down")).max_rel > 1e-3);
  s = from_spec(find("onecycle").at("schedule"));
  s.pct_start = 0.31;
  BOOST_TEST(gap(s, find("onecycle")).unequal > 0u);
}

BOOST_AUTO_TEST_CASE(closed_forms_at_landmarks) {
  Schedule s = Schedule::parse("warmup-cosine:10:0.5", 110);
  BOOST_TEST(s.lr(0, 2.0) == 1.0);     // start_factor * base
  BOOST_TEST(s.lr(5, 2.0) == 1.5);     // halfway up
  BOOST_TEST(s.lr(10, 2.0) == 2.0);    // milestone: the cosine restarts at base
  BOOST_TEST(s.lr(60, 2.0) == 1.0, boost::test_tools::tolerance(1e-15));  // halfway down
  BOOST_TEST(s.lr(110, 2.0) == 0.0);   // t_max reached
  s = Schedule::parse("onecycle", 100);
  // max_lr / div_factor, up to torch's rounding in max + (initial - max) / 2 * 2.
  BOOST_TEST(s.lr(0, 1.0) == 1.0 / 25, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(s.lr(29, 1.0) == 1.0);  // end of phase 1: pct_start * total - 1
  BOOST_TEST(s.lr(99, 1.0) == 1.0 / 25 / 1e4, boost::test_tools::tolerance(1e-12));
  s = Schedule::parse("cyclic:1:5", 0);
  BOOST_TEST(s.lr(5, 0.5) == 1.0);
  BOOST_TEST(s.lr(10, 0.5) == 0.5);
}

BOOST_AUTO_TEST_CASE(parse_accepts_the_documented_forms) {
  struct Good {
    const char* text;
    std::int64_t total;
    const char* describe;
  };
  const Good good[] = {
      {"constant", 0, "constant"},
      {"step:100:0.5", 0, "step(step_size=100, gamma=0.5)"},
      {"step:30", 0, "step(step_size=30, gamma=0.1)"},
      {"exp:0.99", 0, "exp(gamma=0.99)"},
      {"cosine", 450, "cosine(t_max=450, eta_min=0)"},
      {"cosine:200:1e-05", 450, "cosine(t_max=200, eta_min=1e-05)"},
      {"warmup:50", 0, "warmup(warmup_steps=50, start_factor=0.3333333333333333)"},
      {"warmup:50:0.01", 0, "warmup(warmup_steps=50, start_factor=0.01)"},
      {"warmup-cosine:50", 450, "warmup-cosine(warmup_steps=50, start_factor=0.3333333333333333, t_max=400, eta_min=0)"},
      {"warmup-cosine:50:0.1:0.001", 450, "warmup-cosine(warmup_steps=50, start_factor=0.1, t_max=400, eta_min=0.001)"},
      {"cyclic:0.1:20", 0, "cyclic(max_lr=0.1, step_size_up=20, step_size_down=20, mode=triangular)"},
      {"cyclic:0.1:20:exp_range:0.99", 0, "cyclic(max_lr=0.1, step_size_up=20, step_size_down=20, mode=exp_range, gamma=0.99)"},
      {"onecycle", 450, "onecycle(total_steps=450, pct_start=0.3, anneal=cos, div_factor=25, final_div_factor=10000)"},
      {"onecycle:0.25:linear", 450, "onecycle(total_steps=450, pct_start=0.25, anneal=linear, div_factor=25, final_div_factor=10000)"},
  };
  for (const auto& g : good) BOOST_TEST(Schedule::parse(g.text, g.total).describe() == g.describe, g.text);
}

BOOST_AUTO_TEST_CASE(parse_rejects_bad_text_saying_what_was_expected) {
  struct Bad {
    const char* text;
    std::int64_t total;
    const char* needle;
  };
  const Bad bad[] = {
      {"", 100, "field 1: expected constant, step, exp"},
      {"linear", 100, "got 'linear'"},
      {"constant:1", 100, "expected constant, got 1 parameter(s)"},
      {"step", 100, "expected step:STEP_SIZE[:GAMMA]"},
      {"step:ten", 100, "field 2 (step_size): expected an integer, got 'ten'"},
      {"step:0", 100, "step_size must be >= 1 (got 0)"},
      {"step:10:x", 100, "field 3 (gamma): expected a finite number, got 'x'"},
      {"step:10:0.5:2", 100, "got 3 parameter(s)"},
      {"exp", 100, "expected exp:GAMMA"},
      {"exp:nan", 100, "field 2 (gamma): expected a finite number"},
      {"exp:-0.5", 100, "gamma must be finite and >= 0"},
      {"cosine", 0, "cosine without T_MAX needs the run's total_steps >= 1 (got 0)"},
      {"cosine:0", 100, "t_max must be >= 1"},
      {"cosine:1.5", 100, "field 2 (t_max): expected an integer, got '1.5'"},
      {"warmup:0", 100, "warmup_steps must be >= 1"},
      {"warmup:5:0", 100, "start_factor must be in (0, 1]"},
      {"warmup:5:1.5", 100, "start_factor must be in (0, 1]"},
      {"warmup-cosine:100", 100, "total_steps (the cosine needs steps after the warmup) must be >= 101"},
      {"warmup-cosine:10", 0, "warmup-cosine needs the run's total_steps >= 1"},
      {"cyclic:0.5", 100, "expected cyclic:MAX_LR:STEP_SIZE_UP[:MODE[:GAMMA]]"},
      {"cyclic:0.5:4:sawtooth", 100, "field 4 (mode): expected triangular, triangular2 or exp_range, got 'sawtooth'"},
      {"cyclic:big:4", 100, "field 2 (max_lr)"},
      {"onecycle", 0, "onecycle needs the run's total_steps >= 1"},
      {"onecycle:1.5", 100, "pct_start must be in [0, 1]"},
      {"onecycle:0.01", 100, "a phase of zero length"},
      {"onecycle:0.3:cubic", 100, "field 3 (anneal): expected cos or linear, got 'cubic'"},
  };
  for (const auto& b : bad) {
    try {
      Schedule::parse(b.text, b.total);
      BOOST_ERROR("no error for '" << b.text << "'");
    } catch (const std::invalid_argument& e) {
      const std::string msg = e.what();
      BOOST_TEST(msg.find(b.needle) != std::string::npos, "'" << b.text << "': " << msg);
      BOOST_TEST(msg.find(std::string("\"") + b.text + "\"") != std::string::npos, msg);  // names the text
    }
  }
}

BOOST_AUTO_TEST_CASE(apply_schedule_sets_every_group) {
  const Schedule s = Schedule::parse("exp:0.5", 0);
  std::vector<train::ParamGroup> groups(2);
  const std::vector<double> base{0.8, 0.2};
  train::apply_schedule(s, 3, base, groups);
  BOOST_TEST(groups[0].options.lr == 0.1);
  BOOST_TEST(groups[1].options.lr == 0.025);
  const std::vector<double> one{0.8};
  BOOST_CHECK_THROW(train::apply_schedule(s, 0, one, groups), std::invalid_argument);
}
