// `veritape run`: a graph's outputs and the gradient of its scalar output 0
// with respect to its float arguments, on the fast or generic float runtime
// or exactly (rationals, or certified intervals past a transcendental op),
// printed or written to JSON or NPZ.
#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "audit_inputs.hpp"
#include "commands.hpp"
#include "graph_loading.hpp"
#include "vt/reference/audit.hpp"
#include "vt/reference/ref_backend.hpp"
#include "vt/runtime/fast_backend.hpp"
#include "vt/runtime/io/atomic_file.hpp"
#include "vt/runtime/io/npz.hpp"
#include "vt/spec/lower.hpp"
#include "vt/spec/verifier.hpp"

namespace vt::cli {
namespace {

using Args = std::map<std::string, std::vector<double>>;

struct RunOptions {
  std::string graph, inputs, backend = "fast", dtype, out;
  std::vector<std::string> grads;  // argument names; empty: every float argument
  std::uint64_t seed = 0;
  unsigned bits = ref::kDefaultIntervalBits;
};

// One tensor of the result: float numbers, or exact texts (p/q, [lo, hi]).
struct Tensor {
  std::string name;
  spec::TensorType type;
  std::vector<double> numbers;     // float backends
  std::vector<std::string> exact;  // the exact backend
};

struct RunResult {
  std::vector<Tensor> outputs, grads;
  std::string note;  // why there are no gradients, when there are none
};

// The arguments to differentiate: those named (with or without '%'), each a
// float argument, or every float argument.
std::vector<std::size_t> grad_args(const spec::GraphData& g, const std::vector<std::string>& names) {
  std::vector<std::size_t> out;
  if (names.empty()) {
    for (std::size_t a = 0; a < g.args.size(); ++a)
      if (spec::is_float(g.args[a].type.dtype)) out.push_back(a);
    return out;
  }
  for (std::string name : names) {
    if (name.starts_with('%')) name.erase(0, 1);
    const auto it = std::find_if(g.args.begin(), g.args.end(), [&](const spec::Arg& a) { return a.name == name; });
    if (it == g.args.end()) {
      std::string known;
      for (const spec::Arg& a : g.args) known += (known.empty() ? "%" : ", %") + a.name;
      throw std::invalid_argument("--grad " + name + ": the graph has no argument %" + name + " (its arguments: " + known + ")");
    }
    if (!spec::is_float(it->type.dtype))
      throw std::invalid_argument("--grad " + name + ": %" + name + " is " + spec::to_string(it->type) + ": not differentiable");
    const auto a = static_cast<std::size_t>(it - g.args.begin());
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);  // each once
  }
  return out;
}

// Gradients are of output 0, which must be a float scalar; "" when it is.
std::string why_no_gradient(const spec::GraphData& g) {
  if (g.outputs.empty()) return "the graph has no outputs";
  const std::string& out = g.outputs[0].name;
  const auto check = [&](const std::string& name, const spec::TensorType& t) {
    return name == out && (!spec::is_float(t.dtype) || t.shape.rank() != 0)
               ? "output 0 (%" + name + ") is " + spec::to_string(t) + ", not a float scalar"
               : std::string();
  };
  for (const spec::Node& n : g.nodes)
    if (std::string why = check(n.name, n.type); !why.empty()) return why;
  for (const spec::Arg& a : g.args)
    if (std::string why = check(a.name, a.type); !why.empty()) return why;
  return "";
}

// The tape's outputs and the asked gradients (zeros where the sweep did not
// reach an argument), each turned into a Tensor by `tensor_of`.
template <class Backend, class Fill, class ToTensor>
RunResult run_tape(Backend& be, const spec::GraphData& g, const std::vector<std::size_t>& wanted, bool gradients, Fill&& fill,
                   ToTensor&& tensor_of) {
  spec::Tape<Backend> tape(be);
  const spec::LoweredGraph L = spec::lower(g, tape, spec::LowerOptions{.inputs_require_grad = true}, g.name);
  for (std::size_t a = 0; a < g.args.size(); ++a) fill(tape.leaf_value(L.arg_slots[a]), g.args[a]);
  tape.run_forward();
  RunResult r;
  std::map<std::string, spec::TensorType> type_of;
  for (const spec::Node& n : g.nodes) type_of[n.name] = n.type;
  for (const spec::Arg& a : g.args) type_of[a.name] = a.type;
  for (std::size_t o = 0; o < g.outputs.size(); ++o)
    r.outputs.push_back(tensor_of(g.outputs[o].name, type_of.at(g.outputs[o].name), &tape.value(L.output_slots[o])));
  if (!gradients) return r;
  if (!tape.requires_grad(L.output_slots[0])) {
    r.note = "output 0 depends on no float argument: every gradient is zero";
  } else {
    tape.backward(L.output_slots[0]);
  }
  for (const std::size_t a : wanted) {
    const bool reached = tape.requires_grad(L.output_slots[0]) && tape.grad(L.arg_slots[a]);
    r.grads.push_back(tensor_of(g.args[a].name, g.args[a].type, reached ? tape.grad(L.arg_slots[a]) : nullptr));
  }
  return r;
}

template <class S>
RunResult run_float(const spec::GraphData& g, const Args& args, bool fast, const std::vector<std::size_t>& wanted, bool gradients) {
  rt::FastBackend<S> be(fast);
  const auto fill = [&](spec::Dense<S>& leaf, const spec::Arg& a) {
    const std::vector<double>& v = ref::arg_values(args, a);
    std::transform(v.begin(), v.end(), leaf.data.begin(), [](double x) { return static_cast<S>(x); });
  };
  const auto tensor_of = [](const std::string& name, const spec::TensorType& t, const spec::Dense<S>* d) {
    return Tensor{name, t, d ? spec::to_doubles(*d) : std::vector<double>(static_cast<std::size_t>(t.shape.numel()), 0.0), {}};
  };
  return run_tape(be, g, wanted, gradients, fill, tensor_of);
}

// p/q (p when q = 1) for rationals; [lo, hi] (width w) for enclosures.
std::vector<std::string> exact_texts(const ref::RefTensor& t) {
  std::vector<std::string> out;
  if (t.exact()) {
    for (const ref::Rational& q : t.rational().data)
      out.push_back(denominator(q) == 1 ? q.str() : fmt::format("{} (~ {:.17g})", q.str(), q.convert_to<double>()));
    return out;
  }
  for (const ref::Interval& x : t.intervals().data) {
    const double width = (boost::multiprecision::upper(x.raw()) - boost::multiprecision::lower(x.raw())).convert_to<double>();
    out.push_back(ref::to_string(x) + fmt::format(" (width {:.3g})", width));
  }
  return out;
}

RunResult run_exact(const spec::GraphData& g, const Args& args, unsigned bits, const std::vector<std::size_t>& wanted, bool gradients) {
  ref::RefBackend be(bits);
  const auto fill = [&](ref::RefTensor& leaf, const spec::Arg& a) { leaf = ref::exact_tensor(a.type.shape, ref::arg_values(args, a)); };
  const auto tensor_of = [](const std::string& name, const spec::TensorType& t, const ref::RefTensor* v) {
    return Tensor{name, t, {}, v ? exact_texts(*v) : std::vector<std::string>(static_cast<std::size_t>(t.shape.numel()), "0")};
  };
  return run_tape(be, g, wanted, gradients, fill, tensor_of);
}

// Shortest round-trip digits ("{}" of a double), as float values print.
std::string number(double v, bool f32) { return f32 ? fmt::format("{}", static_cast<float>(v)) : fmt::format("{}", v); }

void print_tensor(const std::string& label, const Tensor& t, bool f32) {
  if (t.exact.empty()) {
    std::string list;
    for (const double v : t.numbers) list += (list.empty() ? "" : ", ") + number(v, f32);
    fmt::print("{} {} = [{}]\n", label, spec::to_string(t.type), list);
    return;
  }
  if (t.exact.size() == 1) return fmt::print("{} {} = {}\n", label, spec::to_string(t.type), t.exact[0]);
  fmt::print("{} {} =\n", label, spec::to_string(t.type));
  for (std::size_t i = 0; i < t.exact.size(); ++i) fmt::print("  [{}] {}\n", i, t.exact[i]);
}

nlohmann::json tensors_json(const std::vector<Tensor>& ts) {
  nlohmann::json j = nlohmann::json::object();
  for (const Tensor& t : ts) {
    nlohmann::json values = !t.exact.empty()                ? nlohmann::json(t.exact)
                            : t.type.dtype == spec::DType::i64 ? nlohmann::json(std::vector<std::int64_t>(t.numbers.begin(), t.numbers.end()))
                                                               : nlohmann::json(t.numbers);
    j[t.name] = {{"dtype", spec::to_string(t.type.dtype)}, {"shape", t.type.shape.dims()}, {"values", std::move(values)}};
  }
  return j;
}

void write_npz_result(const std::string& path, const RunResult& r, bool f32) {
  rt::NpzEntries entries;
  const auto add = [&](const std::string& prefix, const Tensor& t) {
    rt::NpyArray a;
    a.dtype = t.type.dtype == spec::DType::i64 ? rt::NpyDType::i64 : f32 ? rt::NpyDType::f32 : rt::NpyDType::f64;
    a.shape = t.type.shape.dims();
    if (a.dtype == rt::NpyDType::i64) a.ints.assign(t.numbers.begin(), t.numbers.end());
    else a.values = t.numbers;
    entries.emplace_back(prefix + t.name, std::move(a));
  };
  for (const Tensor& t : r.outputs) add("output.", t);
  for (const Tensor& t : r.grads) add("grad.", t);
  rt::write_npz(path, entries);
}

int run(const RunOptions& o) {
  const spec::GraphData g = load_graph(o.graph);
  spec::verify_or_throw(g, o.graph);
  Args args;
  if (o.inputs.empty()) {
    args = ref::random_inputs(g, o.seed);
  } else {
    ref::AuditData d = load_audit_data(o.inputs, g);
    if (!d.values.empty() || !d.grads.empty())
      throw std::invalid_argument(o.inputs + ": holds node values or gradients; `run` computes those and reads only the arguments");
    args = std::move(d.args);
  }
  for (const spec::Arg& a : g.args) (void)ref::arg_values(args, a);  // every argument checked before anything runs
  const spec::DType declared = ref::float_dtype(g);
  const spec::DType dtype = o.dtype.empty() ? declared : o.dtype == "f32" ? spec::DType::f32 : spec::DType::f64;
  const bool exact = o.backend == "exact", f32 = dtype == spec::DType::f32;
  if (exact && !o.dtype.empty()) throw std::invalid_argument("--dtype does not apply to --backend exact (it computes exactly)");
  const bool npz = o.out.ends_with(".npz");
  if (!o.out.empty() && !npz && !o.out.ends_with(".json")) throw std::invalid_argument("--out " + o.out + ": must end in .npz or .json");
  if (exact && npz) throw std::invalid_argument("--out " + o.out + ": exact values have no float array form; write .json");

  const std::string no_gradient = why_no_gradient(g);
  if (!no_gradient.empty() && !o.grads.empty()) throw std::invalid_argument("--grad: gradients are of output 0, and " + no_gradient);
  const std::vector<std::size_t> wanted = grad_args(g, o.grads);
  const bool gradients = no_gradient.empty();
  RunResult r = exact ? run_exact(g, args, o.bits, wanted, gradients)
                : f32 ? run_float<float>(g, args, o.backend == "fast", wanted, gradients)
                      : run_float<double>(g, args, o.backend == "fast", wanted, gradients);
  if (!gradients) r.note = "no gradients: " + no_gradient;
  for (std::vector<Tensor>* ts : {&r.outputs, &r.grads})  // float tensors are in the type computed in
    for (Tensor& t : *ts)
      if (!exact && spec::is_float(t.type.dtype)) t.type.dtype = dtype;

  const std::string how = exact ? fmt::format("exact (rationals; {}-bit intervals past a transcendental op)", o.bits)
                                : fmt::format("{} float runtime in {}{}", o.backend == "fast" ? "FastKernels" : "generic", spec::to_string(dtype),
                                              dtype == declared ? "" : fmt::format(" (the graph declares {})", spec::to_string(declared)));
  if (!o.out.empty()) {
    if (npz) {
      write_npz_result(o.out, r, f32);
    } else {
      nlohmann::json j = {{"graph", g.name}, {"backend", how}, {"outputs", tensors_json(r.outputs)}, {"grads", tensors_json(r.grads)}};
      if (!r.note.empty()) j["note"] = r.note;
      rt::write_file_atomic(o.out, j.dump(2) + "\n");
    }
    fmt::print("{}: {} output(s) and {} gradient(s) ({}) written to {}\n", o.graph, r.outputs.size(), r.grads.size(), how, o.out);
    return 0;
  }
  fmt::print("# {}: {}{}\n", o.graph, how, o.inputs.empty() ? fmt::format(", random inputs from seed {}", o.seed) : ", inputs from " + o.inputs);
  for (const Tensor& t : r.outputs) print_tensor("%" + t.name, t, f32);
  const std::string of = g.outputs.empty() ? "" : "%" + g.outputs[0].name;
  for (const Tensor& t : r.grads) print_tensor("d" + of + "/d%" + t.name, t, f32);
  if (!r.note.empty()) fmt::print("# {}\n", r.note);
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, int& result) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run",
                                 "Evaluate a graph: print (or write) its outputs and the gradient of its scalar output 0 with respect "
                                 "to every float argument, inputs included (or those --grad names), on the FastKernels runtime (what "
                                 "`train` runs), the generic float code, or exactly.\nExit 0: done; 2: bad input.");
  cmd->add_option("graph", o->graph, "graph file (.vtg or .json)")->required();
  cmd->add_option("--inputs", o->inputs, "JSON {\"inputs\": {name: array}} or NPZ (arguments by name); without it, random inputs from --seed");
  cmd->add_option("--seed", o->seed, "seed for random inputs")->default_val(0)->check(non_negative_integer());
  cmd->add_option("--backend", o->backend, "fast (FastKernels) | generic (the op table's code) | exact (rationals as p/q, intervals as [lo, hi])")
      ->capture_default_str()
      ->check(CLI::IsMember({"fast", "generic", "exact"}));
  cmd->add_option("--dtype", o->dtype, "f32 | f64: compute in this float type (default: the graph's)")->check(CLI::IsMember({"f32", "f64"}));
  cmd->add_option("--grad", o->grads, "differentiate with respect to these arguments only (NAME,NAME or --grad repeated)")
      ->delimiter(',')
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--out", o->out, "write OUT.json (every backend) or OUT.npz (float backends: output.<name>, grad.<name>) instead of printing");
  cmd->add_option("--bits", o->bits, "interval precision in bits (exact backend)")->default_val(ref::kDefaultIntervalBits)->check(CLI::Range(64u, 4096u));
  cmd->callback([o, &result] {
    try {
      result = run(*o);
    } catch (const std::exception& e) {
      std::cerr << "veritape run: " << e.what() << "\n";
      result = 2;
    }
  });
}

}  // namespace vt::cli
