#pragma once
// Element types of tensors. Floats carry values; i64 carries class indices
// (cross_entropy targets) and is never differentiated.
#include <cstdint>
#include <optional>
#include <string_view>

namespace vt::spec {

enum class DType : std::uint8_t { f32, f64, i64 };

constexpr std::string_view to_string(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i64: return "i64";
  }
  return "?";
}

constexpr std::optional<DType> parse_dtype(std::string_view s) {
  if (s == "f32") return DType::f32;
  if (s == "f64") return DType::f64;
  if (s == "i64") return DType::i64;
  return std::nullopt;
}

constexpr bool is_float(DType t) { return t == DType::f32 || t == DType::f64; }

constexpr std::size_t size_of(DType t) { return t == DType::f32 ? 4 : 8; }

}  // namespace vt::spec
