#pragma once
// The static type of a value: element type plus shape, printed "f32[2, 3]".
#include <string>

#include "vt/spec/dtype.hpp"
#include "vt/spec/shape.hpp"

namespace vt::spec {

struct TensorType {
  DType dtype = DType::f32;
  Shape shape;
  friend bool operator==(const TensorType&, const TensorType&) = default;
};

inline std::string to_string(const TensorType& t) {
  return std::string(to_string(t.dtype)) + to_string(t.shape);
}

}  // namespace vt::spec
