#pragma once
// Shapes and PyTorch/NumPy broadcasting.
//
// A Shape is a list of non-negative dimensions, outermost first (row-major).
// Rank 0 is a scalar with one element. Broadcasting aligns shapes at their last
// dimension; two dimensions are compatible when equal or when one of them is 1.
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "vt/spec/error.hpp"

namespace vt::spec {

// Largest element count a tensor may have (2^48): far beyond any real tensor,
// small enough that products of counts and byte sizes never overflow int64.
inline constexpr std::int64_t kMaxNumel = std::int64_t{1} << 48;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> d) : dims_(d) {}
  explicit Shape(std::vector<std::int64_t> d) : dims_(std::move(d)) {}

  std::size_t rank() const { return dims_.size(); }
  std::int64_t operator[](std::size_t i) const { return dims_[i]; }
  std::int64_t& operator[](std::size_t i) { return dims_[i]; }
  const std::vector<std::int64_t>& dims() const { return dims_; }
  std::vector<std::int64_t>& dims() { return dims_; }

  // Product of the dimensions; 1 for a scalar. Assumes validate() passed.
  std::int64_t numel() const {
    std::int64_t n = 1;
    for (auto d : dims_) n *= d;
    return n;
  }

  // Throws ShapeError when a dimension is negative or the element count
  // exceeds kMaxNumel (checked without overflowing).
  void validate() const;

  // Row-major strides in elements.
  std::vector<std::int64_t> strides() const;

  friend bool operator==(const Shape&, const Shape&) = default;

 private:
  std::vector<std::int64_t> dims_;
};

// "[2, 3]"; "[]" for a scalar.
std::string to_string(const Shape& s);

inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << to_string(s); }

// The broadcast of two shapes; throws ShapeError naming both when a pair of
// aligned dimensions differs and neither is 1.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// True when `from` broadcasts to exactly `to` (as in torch.broadcast_to).
bool broadcastable_to(const Shape& from, const Shape& to);

// Maps a possibly negative axis into [0, rank); throws ShapeError when out of range.
std::size_t normalize_axis(std::int64_t axis, std::size_t rank);

}  // namespace vt::spec
