#include "proof_families.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>

namespace vt::contracts {

using spec::AttrMap;
using spec::AttrValue;
using spec::DType;
using spec::IntList;
using spec::Shape;
using spec::TensorType;

namespace {

struct Bounds {
  int rank, dim;
};

// Every shape of rank <= b.rank with dims in [1, b.dim].
std::vector<Shape> shapes(Bounds b, int min_rank = 0) {
  std::vector<Shape> out;
  for (int r = min_rank; r <= b.rank; ++r) {
    std::vector<std::int64_t> d(static_cast<std::size_t>(r), 1);
    for (;;) {
      out.emplace_back(d);
      int k = r - 1;
      while (k >= 0 && d[static_cast<std::size_t>(k)] == b.dim) d[static_cast<std::size_t>(k--)] = 1;
      if (k < 0) break;
      ++d[static_cast<std::size_t>(k)];
    }
  }
  return out;
}

TensorType f32(const Shape& s) { return {DType::f32, s}; }
TensorType i64(const Shape& s) { return {DType::i64, s}; }

AttrMap attrs(std::initializer_list<std::pair<const char*, AttrValue>> kv) {
  AttrMap a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

// Index patterns for an index input of n elements over [0, bound): all
// zeros (every element repeats), ascending and descending mod bound.
std::vector<std::vector<std::int64_t>> index_patterns(std::int64_t n, std::int64_t bound) {
  std::vector<std::vector<std::int64_t>> out(3, std::vector<std::int64_t>(static_cast<std::size_t>(n), 0));
  for (std::int64_t i = 0; i < n; ++i) {
    out[1][static_cast<std::size_t>(i)] = i % bound;
    out[2][static_cast<std::size_t>(i)] = (bound - 1) - i % bound;
  }
  return out;
}

// Collects the candidates that pass the op's shape rule, once each.
class Collector {
 public:
  explicit Collector(const spec::OpInfo& op) : op_(op) {}
  void add(std::vector<TensorType> in, AttrMap a = {}, std::vector<std::vector<std::int64_t>> idx = {}) {
    ProofCase c{std::move(in), std::move(a), std::move(idx), {}};
    c.indices.resize(c.inputs.size());
    try {
      c.output = spec::infer_type(op_, c.inputs, c.attrs);
    } catch (const spec::ShapeError&) {
      return;
    }
    if (c.output.shape.numel() == 0) return;  // nothing to differentiate (narrow to length 0)
    const std::string key = describe(op_, c) + index_text(c);
    if (seen_.insert(key).second) cases_.push_back(std::move(c));
  }
  std::vector<ProofCase> take() { return std::move(cases_); }

 private:
  static std::string index_text(const ProofCase& c) {
    std::string s;
    for (const auto& v : c.indices)
      for (auto i : v) s += std::to_string(i) + ",";
    return s;
  }
  const spec::OpInfo& op_;
  std::set<std::string> seen_;
  std::vector<ProofCase> cases_;
};

std::vector<IntList> subsets(std::size_t r) {
  std::vector<IntList> out;
  for (unsigned m = 0; m < (1u << r); ++m) {
    IntList s;
    for (std::size_t k = 0; k < r; ++k)
      if (m & (1u << k)) s.push_back(static_cast<std::int64_t>(k));
    out.push_back(s);
  }
  return out;
}

std::vector<IntList> permutations(std::size_t r) {
  IntList p(r);
  std::iota(p.begin(), p.end(), 0);
  std::vector<IntList> out;
  do out.push_back(p);
  while (std::next_permutation(p.begin(), p.end()));
  return out;
}

std::int64_t numel(const Shape& s) { return s.numel(); }

using Maker = std::function<std::string(Collector&, Bounds)>;

std::string elementwise(Collector& c, Bounds b, const std::vector<AttrMap>& variants, const std::string& what) {
  for (const auto& s : shapes(b))
    for (const auto& a : variants) c.add({f32(s)}, a);
  return "every shape of rank <= " + std::to_string(b.rank) + ", dims <= " + std::to_string(b.dim) + what;
}

std::string broadcast_pairs(Collector& c, Bounds b) {
  for (const auto& x : shapes(b))
    for (const auto& y : shapes(b)) c.add({f32(x), f32(y)});
  return "every broadcastable pair of shapes of rank <= " + std::to_string(b.rank) + ", dims <= " + std::to_string(b.dim);
}

std::string reductions(Collector& c, Bounds b, std::int64_t max_numel) {
  for (const auto& s : shapes(b)) {
    if (numel(s) > max_numel) continue;
    c.add({f32(s)});
    for (const auto& ax : subsets(s.rank()))
      for (bool keep : {false, true}) c.add({f32(s)}, attrs({{"axes", ax}, {"keepdim", keep}}));
  }
  return "every shape of rank <= " + std::to_string(b.rank) + ", dims <= " + std::to_string(b.dim) +
         (max_numel < 1000 ? ", <= " + std::to_string(max_numel) + " elements" : "") + "; every axis set, keepdim or not";
}

std::string extremes(Collector& c, Bounds b, std::int64_t max_numel) {
  for (const auto& s : shapes(b)) {
    if (numel(s) > max_numel) continue;
    c.add({f32(s)});
    for (bool keep : {false, true}) {
      c.add({f32(s)}, attrs({{"keepdim", keep}}));
      for (std::size_t k = 0; k < s.rank(); ++k) c.add({f32(s)}, attrs({{"axis", std::int64_t(k)}, {"keepdim", keep}}));
    }
  }
  return "every shape of rank <= " + std::to_string(b.rank) + ", dims <= " + std::to_string(b.dim) + ", <= " +
         std::to_string(max_numel) + " elements; all axes or each axis, keepdim or not; every order and tie of the values";
}

std::string softmaxes(Collector& c, Bounds b, std::int64_t max_numel) {
  for (const auto& s : shapes(b, 1)) {
    if (numel(s) > max_numel) continue;
    for (std::size_t k = 0; k < s.rank(); ++k) c.add({f32(s)}, attrs({{"axis", std::int64_t(k)}}));
  }
  return "every shape of rank 1.." + std::to_string(b.rank) + ", dims <= " + std::to_string(b.dim) + ", <= " +
         std::to_string(max_numel) + " elements; each axis; every choice of the max shift";
}

std::string matmuls(Collector& c, Bounds b) {
  for (const auto& x : shapes(b, 1))
    for (const auto& y : shapes(b, 1)) c.add({f32(x), f32(y)});
  return "every pair of shapes of rank 1.." + std::to_string(b.rank) + ", dims <= " + std::to_string(b.dim) +
         " that the rule accepts (vectors, matrices, broadcast batches)";
}

std::string linears(Collector& c, Bounds b) {
  for (const auto& x : shapes(b, 1))
    for (std::int64_t o = 1; o <= b.dim; ++o) {
      const Shape w{o, x[x.rank() - 1]};
      c.add({f32(x), f32(w)});
      c.add({f32(x), f32(w), f32(Shape{o})});
    }
  return "x of every shape of rank 1.." + std::to_string(b.rank) + ", dims <= " + std::to_string(b.dim) +
         "; W [o, in] for o <= " + std::to_string(b.dim) + "; with and without bias";
}

std::string layouts(Collector& c, Bounds b, std::string_view op) {
  const auto all = shapes(b);
  for (const auto& s : all) {
    const auto r = s.rank();
    if (op == "permute")
      for (const auto& p : permutations(r)) c.add({f32(s)}, attrs({{"perm", p}}));
    if (op == "transpose")
      for (std::size_t i = 0; i < r; ++i)
        for (std::size_t j = 0; j < r; ++j) c.add({f32(s)}, attrs({{"dim0", std::int64_t(i)}, {"dim1", std::int64_t(j)}}));
    if (op == "reshape")
      for (const auto& t : all)
        if (numel(t) == numel(s)) c.add({f32(s)}, attrs({{"shape", t.dims()}}));
    if (op == "broadcast_to")
      for (const auto& t : all) c.add({f32(s)}, attrs({{"shape", t.dims()}}));
    if (op == "flatten")
      for (std::size_t i = 0; i < r; ++i)
        for (std::size_t j = i; j < r; ++j) c.add({f32(s)}, attrs({{"start_dim", std::int64_t(i)}, {"end_dim", std::int64_t(j)}}));
    if (op == "narrow")
      for (std::size_t k = 0; k < r; ++k)
        for (std::int64_t st = 0; st < s[k]; ++st)
          for (std::int64_t len = 0; st + len <= s[k]; ++len)
            c.add({f32(s)}, attrs({{"axis", std::int64_t(k)}, {"start", st}, {"length", len}}));
    if (op == "concat")
      for (std::size_t k = 0; k < r; ++k)
        for (std::int64_t d = 1; d <= b.dim; ++d) {
          Shape t = s;
          t[k] = d;
          c.add({f32(s), f32(t)}, attrs({{"axis", std::int64_t(k)}}));
          c.add({f32(t), f32(s), f32(s)}, attrs({{"axis", std::int64_t(k)}}));
        }
  }
  return "every shape of rank <= " + std::to_string(b.rank) + ", dims <= " + std::to_string(b.dim) + "; every valid " +
         std::string(op == "permute" ? "permutation" : op == "transpose" ? "axis pair" : op == "reshape" ? "target of the same size"
                     : op == "broadcast_to" ? "broadcast target" : op == "flatten" ? "start/end pair"
                     : op == "narrow" ? "axis, start and length" : "axis, with 2 and 3 inputs");
}

std::string indexing(Collector& c, Bounds b, std::string_view op) {
  for (const auto& x : shapes(b, 1)) {
    for (std::size_t k = 0; k < x.rank(); ++k) {
      if (op == "embedding") break;
      for (const auto& ix : shapes(Bounds{static_cast<int>(x.rank()), b.dim}, static_cast<int>(x.rank()))) {
        if (ix.rank() != x.rank()) continue;
        for (const auto& v : index_patterns(numel(ix), x[k])) {
          const AttrMap a = attrs({{"axis", std::int64_t(k)}});
          if (op == "gather") c.add({f32(x), i64(ix)}, a, {{}, v});
          if (op == "scatter_add") c.add({f32(x), i64(ix), f32(ix)}, a, {{}, v, {}});
        }
      }
    }
    if (op == "embedding" && x.rank() == 2)
      for (const auto& ix : shapes(Bounds{2, b.dim}, 1))
        for (const auto& v : index_patterns(numel(ix), x[0])) c.add({f32(x), i64(ix)}, {}, {{}, v});
  }
  return std::string(op == "embedding" ? "weight [V, D] and indices of rank 1..2" : "x and index of every rank 1..") +
         (op == "embedding" ? "" : std::to_string(b.rank)) + ", dims <= " + std::to_string(b.dim) +
         (op == "embedding" ? "" : ", every axis") + "; index values all 0, ascending and descending mod the bound";
}

std::string losses(Collector& c, Bounds b, std::string_view op) {
  if (op == "mse_loss") {
    for (const auto& s : shapes(b)) c.add({f32(s), f32(s)});
    return "every shape of rank <= " + std::to_string(b.rank) + ", dims <= " + std::to_string(b.dim);
  }
  for (std::int64_t n = 1; n <= b.dim; ++n)
    for (std::int64_t k = 1; k <= b.dim; ++k)
      for (const auto& t : index_patterns(n, k)) c.add({f32(Shape{n, k}), i64(Shape{n})}, {}, {{}, t});
  return "logits [N, C] for N, C <= " + std::to_string(b.dim) + "; targets all 0, ascending and descending mod C";
}

// Window ops: one parameter varied at a time around a base, and their pairs.
std::string windows(Collector& c, Bounds b, std::string_view op) {
  const bool conv = op == "conv2d";
  std::vector<std::int64_t> sizes{1, 2, 3};
  if (b.dim < 3) sizes = {1, 2};  // dims <= 2: the quick and default families
  for (std::int64_t H : sizes)
    for (std::int64_t W : sizes)
      for (std::int64_t kh : {1, 2})
        for (std::int64_t kw : {1, 2})
          for (std::int64_t s : {1, 2})
            for (std::int64_t p : {0, 1})
              for (std::int64_t d : {1, 2}) {
                const AttrMap geo = attrs({{"stride", IntList{s}}, {"padding", IntList{p}}, {"dilation", IntList{d}}});
                if (!conv) {
                  AttrMap a = geo;
                  a.set("kernel_size", IntList{kh, kw});
                  c.add({f32(Shape{1, 1, H, W})}, a);
                  continue;
                }
                c.add({f32(Shape{1, 1, H, W}), f32(Shape{1, 1, kh, kw})}, geo);
                if (s == 1 && d == 1) {
                  c.add({f32(Shape{2, 1, H, W}), f32(Shape{2, 1, kh, kw}), f32(Shape{2})}, geo);
                  AttrMap grouped = geo;
                  grouped.set("groups", std::int64_t{2});
                  c.add({f32(Shape{1, 2, H, W}), f32(Shape{2, 1, kh, kw})}, grouped);
                  if (H <= 2 && W <= 2) c.add({f32(Shape{1, 2, H, W}), f32(Shape{2, 2, kh, kw}), f32(Shape{2})}, geo);
                }
              }
  return std::string("input [1, 1, H, W] for H, W <= ") + std::to_string(sizes.back()) +
         ", kernel 1..2 x 1..2, stride 1..2, padding 0..1, dilation 1..2" +
         (conv ? "; at stride 1, dilation 1 also 2 images with bias, 2 groups, and 2 -> 2 channels with bias" : "");
}

std::string norms(Collector& c, Bounds b, std::string_view op) {
  if (op == "layer_norm") {
    for (const auto& x : shapes(Bounds{b.rank, 2}, 1))
      for (std::size_t k = 1; k <= x.rank(); ++k) {
        const Shape tail(std::vector<std::int64_t>(x.dims().end() - static_cast<std::ptrdiff_t>(k), x.dims().end()));
        const AttrMap a = attrs({{"normalized_shape", tail.dims()}});
        c.add({f32(x)}, a);
        c.add({f32(x), f32(tail), f32(tail)}, a);
      }
    return "x of every shape of rank 1.." + std::to_string(b.rank) + ", dims <= 2; each trailing normalized_shape; with and without weight and bias";
  }
  for (const auto& x : {Shape{2, 1}, Shape{2, 2}, Shape{3, 1}, Shape{2, 1, 2}, Shape{1, 2, 2}})
    for (bool training : {true, false})
      c.add({f32(x), f32(Shape{x[1]}), f32(Shape{x[1]}), f32(Shape{x[1]}), f32(Shape{x[1]})}, attrs({{"training", training}}));
  return "x [2, 1], [2, 2], [3, 1], [2, 1, 2], [1, 2, 2]; training and eval";
}

std::string attentions(Collector& c, Bounds) {
  for (const auto& q : {Shape{1, 1}, Shape{2, 1}, Shape{2, 2}, Shape{1, 2, 1}})
    for (bool causal : {false, true}) {
      Shape kv = q;
      c.add({f32(q), f32(kv), f32(kv)}, attrs({{"causal", causal}}));
      if (q.rank() == 2 && q[0] == 1) {
        kv[0] = 2;
        c.add({f32(q), f32(kv), f32(kv)}, attrs({{"causal", causal}}));
      }
    }
  return "q, k, v of shapes [1, 1], [2, 1], [2, 2], [1, 2, 1], and one query over 2 keys; causal or not";
}

const std::vector<std::pair<std::string_view, Maker>>& makers() {
  auto unary = [](std::vector<AttrMap> v, std::string what = "") {
    return [v = std::move(v), what](Collector& c, Bounds b) { return elementwise(c, b, v, what); };
  };
  static const std::vector<std::pair<std::string_view, Maker>> table = [&] {
    std::vector<std::pair<std::string_view, Maker>> t;
    for (std::string_view op : {"add", "sub", "mul", "div", "maximum", "minimum"}) t.emplace_back(op, broadcast_pairs);
    for (std::string_view op : {"neg", "square", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "silu", "log_sigmoid",
                                "log1p", "expm1"})
      t.emplace_back(op, unary({AttrMap{}}));
    t.emplace_back("clamp", unary({attrs({{"min", -0.5}}), attrs({{"max", 0.5}}), attrs({{"min", -1.0}, {"max", 2.0}})},
                                  "; min only, max only, both"));
    t.emplace_back("softplus", unary({AttrMap{}, attrs({{"beta", 2.0}, {"threshold", 1.0}})}, "; default and beta 2, threshold 1"));
    t.emplace_back("gelu", unary({AttrMap{}, attrs({{"approximate", std::string("tanh")}})}, "; exact and tanh forms"));
    t.emplace_back("dropout", unary({attrs({{"p", 0.5}, {"seed", std::int64_t{3}}, {"training", true}}), attrs({{"training", false}}),
                                     attrs({{"p", 0.0}, {"training", true}})},
                                    "; p 0.5 training (seed 3), eval, p 0"));
    t.emplace_back("pow", [](Collector& c, Bounds b) {
      std::vector<AttrMap> v;
      for (double e : {2.0, 3.0, 0.5, 0.0, -1.0, 2.5}) v.push_back(attrs({{"exponent", e}}));
      const std::string u = elementwise(c, b, v, "");
      return u + "; exponent 2, 3, 0.5, 0, -1, 2.5; and " + broadcast_pairs(c, b) + " (tensor form)";
    });
    t.emplace_back("matmul", matmuls);
    t.emplace_back("linear", linears);
    for (std::string_view op : {"permute", "transpose", "reshape", "broadcast_to", "flatten", "narrow", "concat"})
      t.emplace_back(op, [op](Collector& c, Bounds b) { return layouts(c, b, op); });
    for (std::string_view op : {"sum", "mean"}) t.emplace_back(op, [](Collector& c, Bounds b) { return reductions(c, b, 1000); });
    for (std::string_view op : {"max", "min", "amax", "amin"})
      t.emplace_back(op, [](Collector& c, Bounds b) { return extremes(c, b, b.rank < 3 ? 4 : b.dim < 3 ? 6 : 8); });
    for (std::string_view op : {"softmax", "log_softmax"})
      t.emplace_back(op, [](Collector& c, Bounds b) { return softmaxes(c, b, b.rank < 3 ? 4 : b.dim < 3 ? 6 : 8); });
    for (std::string_view op : {"mse_loss", "cross_entropy"})
      t.emplace_back(op, [op](Collector& c, Bounds b) { return losses(c, b, op); });
    for (std::string_view op : {"conv2d", "max_pool2d", "avg_pool2d"})
      t.emplace_back(op, [op](Collector& c, Bounds b) { return windows(c, b, op); });
    for (std::string_view op : {"gather", "scatter_add", "embedding"})
      t.emplace_back(op, [op](Collector& c, Bounds b) { return indexing(c, b, op); });
    for (std::string_view op : {"layer_norm", "batch_norm"}) t.emplace_back(op, [op](Collector& c, Bounds b) { return norms(c, b, op); });
    t.emplace_back("scaled_dot_product_attention", attentions);
    return t;
  }();
  return table;
}

}  // namespace

Family soundness_family(const spec::OpInfo& op, FamilySize size) {
  const Bounds b = size == FamilySize::quick ? Bounds{2, 2} : size == FamilySize::standard ? Bounds{3, 2} : Bounds{3, 3};
  for (const auto& [name, make] : makers())
    if (name == op.name) {
      Collector c(op);
      Family f;
      f.text = make(c, b);
      f.cases = c.take();
      return f;
    }
  return {};
}

std::string describe(const spec::OpInfo& op, const ProofCase& c) {
  std::string s = spec::signature(op.name, c.inputs);
  if (!c.attrs.empty()) {
    s += " {";
    bool first = true;
    for (const auto& [k, v] : c.attrs.entries()) {
      s += (first ? "" : ", ") + k + " = " + spec::to_string(v);
      first = false;
    }
    s += "}";
  }
  for (std::size_t i = 0; i < c.indices.size(); ++i)
    if (!c.indices[i].empty()) {
      s += " input " + std::to_string(i) + " = [";
      for (std::size_t k = 0; k < c.indices[i].size(); ++k) s += (k ? ", " : "") + std::to_string(c.indices[i][k]);
      s += "]";
    }
  return s;
}

}  // namespace vt::contracts
