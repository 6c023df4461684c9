#pragma once
// Op attributes: a small typed map (name -> int | float | bool | int list |
// identifier | float list),
// kept sorted by name so that printing is canonical. Each op declares a schema
// (AttrSpec list) that the verifier checks and that supplies defaults.
// String values are identifiers (e.g. a dtype name) and print without quotes.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vt/spec/error.hpp"

namespace vt::spec {

using IntList = std::vector<std::int64_t>;
using FloatList = std::vector<double>;
using AttrValue = std::variant<std::int64_t, double, bool, IntList, std::string, FloatList>;

// Order matches AttrValue's alternatives.
enum class AttrKind : std::uint8_t { Int, Float, Bool, Ints, Str, Floats };

constexpr std::string_view to_string(AttrKind k) {
  switch (k) {
    case AttrKind::Int: return "int";
    case AttrKind::Float: return "float";
    case AttrKind::Bool: return "bool";
    case AttrKind::Ints: return "int list";
    case AttrKind::Str: return "identifier";
    case AttrKind::Floats: return "float list";
  }
  return "?";
}

inline AttrKind kind_of(const AttrValue& v) { return static_cast<AttrKind>(v.index()); }

// One attribute an op accepts. `required` attributes have no default.
struct AttrSpec {
  std::string_view name;
  AttrKind kind;
  bool required = false;
  // A Float attribute that also takes a list of floats (a tensor constant's values).
  bool or_list = false;
  // Kept in f64 on an f32 node too (arange's start and step: torch computes
  // its elements in f64 and rounds each once).
  bool keep_f64 = false;
};

class AttrMap {
 public:
  using Entry = std::pair<std::string, AttrValue>;

  // Inserts or replaces; keeps entries sorted by name.
  void set(std::string name, AttrValue v);
  // From entries with distinct names, in any order: one sort, where set()
  // per entry would be quadratic in their number (a parser's input).
  static AttrMap from_entries(std::vector<Entry> entries);
  bool has(std::string_view name) const { return find(name) != nullptr; }
  const AttrValue* find(std::string_view name) const;
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  // Typed reads; throw ShapeError naming the attribute on a missing required
  // attribute or a kind mismatch. The `_or` forms return the default when absent.
  std::int64_t get_int(std::string_view name) const;
  std::int64_t get_int_or(std::string_view name, std::int64_t dflt) const;
  double get_float(std::string_view name) const;
  double get_float_or(std::string_view name, double dflt) const;
  bool get_bool_or(std::string_view name, bool dflt) const;
  const IntList& get_ints(std::string_view name) const;
  std::optional<IntList> get_ints_opt(std::string_view name) const;
  const FloatList& get_floats(std::string_view name) const;
  bool is_list(std::string_view name) const;
  std::string get_str_or(std::string_view name, std::string_view dflt) const;

  friend bool operator==(const AttrMap&, const AttrMap&) = default;

 private:
  std::vector<Entry> entries_;
};

// Checks names, kinds and presence against an op's schema. An int literal is
// accepted (and converted) where a float is declared, an int list where a
// float list is. Throws ShapeError.
void check_attrs(AttrMap& attrs, std::span<const AttrSpec> schema);

// Canonical text: "1.5", "-2.0", "1e-05" (shortest round-trip, always with a
// '.' or exponent so it re-parses as a float), "[0, 1]", "[0.5, 1.0]", "true", "f32".
std::string to_string(const AttrValue& v);

}  // namespace vt::spec
