#include "vt/reference/ref_backend.hpp"

#include <stdexcept>

#include "vt/spec/generic_ops.hpp"

namespace vt::ref {

using spec::Dense;

const spec::Shape& RefTensor::shape() const {
  return std::visit([](const auto& d) -> const spec::Shape& { return d.shape; }, data);
}

Interval RefTensor::interval_at(std::int64_t i) const {
  return exact() ? to_interval(rational()[i]) : intervals()[i];
}

Dense<Interval> RefTensor::to_intervals() const {
  if (!exact()) return intervals();
  Dense<Interval> out = Dense<Interval>::full(shape(), Interval(0));
  for (std::int64_t i = 0; i < out.numel(); ++i) out[i] = to_interval(rational()[i]);
  return out;
}

RefTensor exact_tensor(const spec::Shape& shape, std::span<const double> values) {
  Dense<Rational> d = Dense<Rational>::full(shape, Rational(0));
  if (static_cast<std::int64_t>(values.size()) != d.numel())
    throw spec::ShapeError("expected " + std::to_string(d.numel()) + " values for shape " + to_string(shape) + ", got " +
                           std::to_string(values.size()));
  for (std::int64_t i = 0; i < d.numel(); ++i) d[i] = exact(values[static_cast<std::size_t>(i)]);
  return RefTensor{std::move(d)};
}

namespace {

RefTensor rational_zeros(const spec::Shape& s) { return RefTensor{Dense<Rational>::full(s, Rational(0))}; }

// Runs `body`, translating GMP's division by zero into a DomainError that
// names the op (interval comparisons already throw DomainErrors).
template <class F>
void guarded(spec::OpId op, F&& body) {
  const std::string name(spec::op_info(op).name);
  try {
    body();
  } catch (const std::overflow_error&) {  // Boost/GMP: rational division by zero
    throw spec::DomainError("op '" + name + "': division by exact zero");
  }
}

void require_finite(spec::OpId op, const Dense<Interval>& d, const char* what) {
  for (std::int64_t i = 0; i < d.numel(); ++i)
    if (!finite(d[i]))
      throw spec::DomainError("op '" + std::string(spec::op_info(op).name) + "': " + what + " element " + std::to_string(i) +
                              " is " + to_string(d[i]) + ": an input interval contains a singularity");
}

// The inputs of an op as exact tensors (when all are exact) or as intervals,
// with the pointer lists the generic op code takes.
std::vector<const Dense<Rational>*> rational_inputs(std::span<const RefTensor* const> in) {
  std::vector<const Dense<Rational>*> p;
  for (const RefTensor* v : in) p.push_back(&v->rational());
  return p;
}
struct IntervalInputs {
  std::vector<Dense<Interval>> values;
  std::vector<const Dense<Interval>*> ptrs;
  explicit IntervalInputs(std::span<const RefTensor* const> in) {
    values.reserve(in.size());
    for (const RefTensor* v : in) values.push_back(v->to_intervals());
    for (const auto& v : values) ptrs.push_back(&v);
  }
};

}  // namespace

RefTensor RefBackend::allocate(const spec::TensorType& t) const { return rational_zeros(t.shape); }
RefTensor RefBackend::zeros_like(const Value& v) const { return rational_zeros(v.shape()); }
void RefBackend::fill_zero(Value& v) const { v = rational_zeros(v.shape()); }
void RefBackend::fill_one(Value& v) const { v = RefTensor{Dense<Rational>::full(v.shape(), Rational(1))}; }

void RefBackend::add_into(Value& acc, const Value& v) const {
  if (acc.shape() != v.shape())
    throw spec::ShapeError("gradient seed has shape " + to_string(v.shape()) + ", expected " + to_string(acc.shape()));
  if (acc.exact() && v.exact()) {
    auto& a = std::get<0>(acc.data);
    for (std::int64_t i = 0; i < a.numel(); ++i) a[i] += v.rational()[i];
    return;
  }
  IntervalPrecision precision(bits_);
  Dense<Interval> a = acc.to_intervals();
  for (std::int64_t i = 0; i < a.numel(); ++i) a[i] += v.interval_at(i);
  acc.data = std::move(a);
}

void RefBackend::forward(spec::OpId op, std::span<const Value* const> in, const spec::AttrMap& attrs, Value& out) const {
  const bool exact = spec::op_info(op).fragment == spec::Fragment::Rational &&
                     std::all_of(in.begin(), in.end(), [](const Value* v) { return v->exact(); });
  guarded(op, [&] {
    if (exact) {
      Dense<Rational> y = Dense<Rational>::full(out.shape(), Rational(0));
      spec::generic_forward<Rational>(op, rational_inputs(in), attrs, y);
      out.data = std::move(y);
      return;
    }
    IntervalPrecision precision(bits_);
    const IntervalInputs x(in);
    Dense<Interval> y = Dense<Interval>::full(out.shape(), Interval(0));
    spec::generic_forward<Interval>(op, x.ptrs, attrs, y);
    require_finite(op, y, "result");
    out.data = std::move(y);
  });
}

void RefBackend::vjp(spec::OpId op, std::span<const Value* const> in, const Value& y, const Value& g,
                     const spec::AttrMap& attrs, std::span<Value* const> dx, std::span<const bool> overwrite) const {
  for (std::size_t i = 0; i < dx.size(); ++i)
    if (dx[i] && i < overwrite.size() && overwrite[i]) fill_zero(*dx[i]);
  bool exact = spec::op_info(op).fragment == spec::Fragment::Rational && y.exact() && g.exact();
  for (const Value* v : in) exact = exact && v->exact();
  for (const Value* d : dx) exact = exact && (!d || d->exact());
  guarded(op, [&] {
    if (exact) {
      std::vector<Dense<Rational>*> d;
      for (Value* v : dx) d.push_back(v ? &std::get<0>(v->data) : nullptr);
      spec::generic_vjp<Rational>(op, rational_inputs(in), y.rational(), g.rational(), attrs, d);
      return;
    }
    IntervalPrecision precision(bits_);
    const IntervalInputs x(in);
    std::vector<Dense<Interval>*> d;
    for (Value* v : dx) {
      if (v && v->exact()) v->data = v->to_intervals();  // gradients widen to intervals once touched by one
      d.push_back(v ? &std::get<1>(v->data) : nullptr);
    }
    spec::generic_vjp<Interval>(op, x.ptrs, y.to_intervals(), g.to_intervals(), attrs, d);
    for (Dense<Interval>* di : d)
      if (di) require_finite(op, *di, "gradient");
  });
}

}  // namespace vt::ref
