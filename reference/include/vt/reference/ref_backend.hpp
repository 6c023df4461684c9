#pragma once
// The reference backend of the generic tape. A value stays an exact rational
// tensor while the computation is in the rational fragment; the first
// transcendental op (or any op fed an interval) switches to certified
// intervals at the backend's precision. So a graph runs "exactly where
// possible, enclosed where not", with no rounding anywhere.
//
// Errors: an exact division by zero, log/sqrt of an interval reaching outside
// the domain, a division by an interval containing 0, or a comparison of
// overlapping intervals raise spec::DomainError (the last one marked
// inconclusive); the tape adds the node's name.
#include <span>
#include <variant>

#include "vt/reference/interval.hpp"
#include "vt/spec/dense.hpp"
#include "vt/spec/op_table.hpp"

namespace vt::ref {

struct RefTensor {
  std::variant<spec::Dense<Rational>, spec::Dense<Interval>> data;

  bool exact() const { return data.index() == 0; }
  const spec::Shape& shape() const;
  std::int64_t numel() const { return shape().numel(); }
  const spec::Dense<Rational>& rational() const { return std::get<0>(data); }
  const spec::Dense<Interval>& intervals() const { return std::get<1>(data); }
  // The enclosure of element i (a point for rationals that are dyadic).
  Interval interval_at(std::int64_t i) const;
  // Every element as an interval (a copy for exact tensors).
  spec::Dense<Interval> to_intervals() const;
};

// Exact tensor of float values (every finite float is a rational).
RefTensor exact_tensor(const spec::Shape& shape, std::span<const double> values);

class RefBackend {
 public:
  using Value = RefTensor;

  explicit RefBackend(unsigned interval_bits = kDefaultIntervalBits) : bits_(interval_bits) {}
  unsigned interval_bits() const { return bits_; }

  Value allocate(const spec::TensorType& t) const;
  Value zeros_like(const Value& v) const;
  void fill_zero(Value& v) const;
  void fill_one(Value& v) const;
  void add_into(Value& acc, const Value& v) const;
  static std::int64_t numel(const Value& v) { return v.numel(); }
  void forward(spec::OpId op, std::span<const Value* const> in, const spec::AttrMap& attrs, Value& out) const;
  // overwrite[i]: dx[i] is stale and stands for zeros (see spec/tape.hpp).
  void vjp(spec::OpId op, std::span<const Value* const> in, const Value& y, const Value& g, const spec::AttrMap& attrs,
           std::span<Value* const> dx, std::span<const bool> overwrite = {}) const;

 private:
  unsigned bits_;
};

}  // namespace vt::ref
