#include "optimizer_cases.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace vt::proptests::optim_cases {

using train::OptimKind;
using train::OptimOptions;

namespace {

// Draws at a fixed size, so the first cases of a run are as rich as the last
// (RapidCheck scales integer ranges with its size, which starts at 0).
template <class T>
T draw_full(T lo, T hi) {
  return *rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}

// A value exactly representable in f32 (f32) or f64: zero, a small multiple
// of 1/8, or a full-mantissa number of magnitude in [2^lo_exp, 2^hi_exp).
double draw_value(bool f32, int lo_exp, int hi_exp) {
  const int what = *rc::gen::weightedElement<int>({{1, 0}, {2, 1}, {7, 2}});
  if (what == 0) return 0.0;
  if (what == 1) return static_cast<double>(draw_full<int>(-16, 17)) / 8;
  const int bits = f32 ? 23 : 52;
  const auto mant = draw_full<std::uint64_t>(0, std::uint64_t{1} << bits);
  const int ex = draw_full<int>(lo_exp, hi_exp);
  const bool neg = *rc::gen::arbitrary<bool>();
  const double v = std::ldexp(1.0 + std::ldexp(static_cast<double>(mant), -bits), ex);
  return neg ? -v : v;
}

OptimOptions draw_options(OptimKind kind) {
  namespace g = rc::gen;
  OptimOptions o = OptimOptions::defaults(kind);
  const auto eps = [] { return *g::element(0x1p-20, 0x1p-30, 0x1p-10); };
  const auto wd = [] { return *g::element(0.0, 0x1p-4, 0x1p-10, 0.5); };
  switch (kind) {
    case OptimKind::SGD:
      o.lr = *g::element(0.125, 0.5, 1.0, 0x1p-5, 0x1p-10);
      o.momentum = *g::element(0.0, 0.5, 0.875, 0.9375);
      o.dampening = *g::element(0.0, 0.25, 0.5);
      o.nesterov = o.momentum > 0 && o.dampening == 0 && *g::arbitrary<bool>();
      o.weight_decay = wd();
      break;
    case OptimKind::Adagrad:
      o.lr = *g::element(0.125, 0.5, 1.0, 0x1p-5);
      o.lr_decay = *g::element(0.0, 0.5, 0x1p-4);
      o.initial_accumulator_value = *g::element(0.0, 0.25, 1.0);
      o.eps = eps();
      o.weight_decay = wd();
      break;
    case OptimKind::RMSprop:
      o.lr = *g::element(0x1p-5, 0x1p-3, 0x1p-7);
      o.alpha = *g::element(0.75, 0.5, 0.9375, 0.984375);
      o.eps = eps();
      o.momentum = *g::element(0.0, 0.5, 0.875);
      o.centered = *g::arbitrary<bool>();
      o.weight_decay = wd();
      break;
    case OptimKind::Adam:
    case OptimKind::AdamW:
      o.lr = *g::element(0x1p-5, 0x1p-3, 0x1p-7, 0x1p-10);
      o.beta1 = *g::element(0.875, 0.0, 0.5, 0.9375);
      o.beta2 = *g::element(0.9375, 0.5, 0.75, 0.998046875);
      o.eps = eps();
      o.amsgrad = *g::arbitrary<bool>();
      o.weight_decay = *g::element(0.0, 0x1p-4, 0x1p-7, 0.5);
      break;
    case OptimKind::Adadelta:
      o.lr = *g::element(1.0, 0.5, 0.125);
      o.rho = *g::element(0.875, 0.0, 0.5, 0.9375);
      o.eps = *g::element(0x1p-20, 0x1p-10, 0x1p-6, 0x1p-30);
      o.weight_decay = wd();
      break;
  }
  return o;
}

}  // namespace

Case draw_case() {
  namespace g = rc::gen;
  Case c;
  c.kind = static_cast<OptimKind>(*g::element(0, 1, 2, 3, 4, 5));  // train::OptimKind's order: sgd .. adadelta
  c.f32 = *g::arbitrary<bool>();
  const int nparams = *g::element(1, 2, 3);
  // Parameter groups as torch's param_groups: the first parameters open the
  // groups in turn, the rest join any; each group draws its own options.
  const int ngroups = draw_full<int>(1, nparams + 1);
  for (int k = 0; k < ngroups; ++k) c.groups.push_back({{}, draw_options(c.kind)});
  for (int i = 0; i < nparams; ++i) {
    const auto gi = static_cast<std::size_t>(i < ngroups ? i : draw_full<int>(0, ngroups));
    c.groups[gi].params.push_back(static_cast<std::size_t>(i));
    c.group_of.push_back(gi);
  }
  for (int i = 0; i < nparams; ++i) {
    const int rank = *g::element(1, 0, 2);
    std::vector<std::int64_t> dims;
    for (int r = 0; r < rank; ++r) dims.push_back(static_cast<std::int64_t>(*g::element(2, 1, 3)));
    c.shapes.emplace_back(dims);
    std::vector<double> v;
    for (std::int64_t e = 0; e < c.shapes.back().numel(); ++e) v.push_back(draw_value(c.f32, -4, 2));
    c.init.push_back(std::move(v));
  }
  const int steps = *g::element(3, 4, 5);
  for (int k = 0; k < steps; ++k) {
    c.grads.emplace_back();
    for (int i = 0; i < nparams; ++i) {
      if (*g::weightedElement<bool>({{7, true}, {1, false}})) {
        std::vector<double> gv;
        for (std::size_t e = 0; e < c.init[static_cast<std::size_t>(i)].size(); ++e) gv.push_back(draw_value(c.f32, -6, 4));
        c.grads.back().emplace_back(std::move(gv));
      } else {
        c.grads.back().emplace_back(std::nullopt);
      }
    }
  }
  return c;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string float_text(double v, bool f32) {
  char buf[96];
  std::snprintf(buf, sizeof buf, f32 ? "%.9g (%a)" : "%.17g (%a)", v, v);
  return buf;
}

std::string options_text(OptimKind kind, const OptimOptions& o) {
  std::string s = "lr=" + num(o.lr);
  auto add = [&](const char* name, double v) { s += std::string(" ") + name + "=" + num(v); };
  auto flag = [&](const char* name, bool v) { s += std::string(" ") + name + "=" + (v ? "true" : "false"); };
  switch (kind) {
    case OptimKind::SGD:
      add("momentum", o.momentum), add("dampening", o.dampening), flag("nesterov", o.nesterov);
      break;
    case OptimKind::Adagrad:
      add("lr_decay", o.lr_decay), add("initial_accumulator_value", o.initial_accumulator_value), add("eps", o.eps);
      break;
    case OptimKind::RMSprop:
      add("alpha", o.alpha), add("eps", o.eps), add("momentum", o.momentum), flag("centered", o.centered);
      break;
    case OptimKind::Adam:
    case OptimKind::AdamW:
      add("beta1", o.beta1), add("beta2", o.beta2), add("eps", o.eps), flag("amsgrad", o.amsgrad);
      break;
    case OptimKind::Adadelta:
      add("rho", o.rho), add("eps", o.eps);
      break;
  }
  add("weight_decay", o.weight_decay);
  return s;
}

// One group's options, or each group's with its parameters when there are several.
std::string groups_text(const Case& c) {
  if (c.groups.size() == 1) return options_text(c.kind, c.groups[0].options);
  std::string s;
  for (std::size_t k = 0; k < c.groups.size(); ++k) {
    s += (k ? "; " : "") + std::string("group ") + std::to_string(k) + " {parameters";
    for (const std::size_t i : c.groups[k].params) s += " " + std::to_string(i);
    s += ": " + options_text(c.kind, c.groups[k].options) + "}";
  }
  return s;
}

std::string shape_text(const spec::Shape& s) {
  std::string t = "[";
  for (std::size_t d = 0; d < s.rank(); ++d) t += (d ? ", " : "") + std::to_string(s[d]);
  return t + "]";
}

}  // namespace vt::proptests::optim_cases
