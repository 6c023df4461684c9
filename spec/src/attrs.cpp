#include "vt/spec/attrs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace vt::spec {

void AttrMap::set(std::string name, AttrValue v) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const Entry& e, const std::string& n) { return e.first < n; });
  if (it != entries_.end() && it->first == name)
    it->second = std::move(v);
  else
    entries_.insert(it, Entry{std::move(name), std::move(v)});
}

AttrMap AttrMap::from_entries(std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.first < b.first; });
  AttrMap m;
  m.entries_ = std::move(entries);
  return m;
}

const AttrValue* AttrMap::find(std::string_view name) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const Entry& e, std::string_view n) { return e.first < n; });
  return it != entries_.end() && it->first == name ? &it->second : nullptr;
}

namespace {
template <class T>
const T& get_as(const AttrMap& m, std::string_view name, AttrKind kind) {
  const AttrValue* v = m.find(name);
  if (!v) throw ShapeError("missing attribute '" + std::string(name) + "'");
  if (const T* p = std::get_if<T>(v)) return *p;
  throw ShapeError("attribute '" + std::string(name) + "' must be " + std::string(to_string(kind)) +
                   ", got " + std::string(to_string(kind_of(*v))));
}
}  // namespace

std::int64_t AttrMap::get_int(std::string_view n) const { return get_as<std::int64_t>(*this, n, AttrKind::Int); }
std::int64_t AttrMap::get_int_or(std::string_view n, std::int64_t d) const { return has(n) ? get_int(n) : d; }
double AttrMap::get_float(std::string_view n) const { return get_as<double>(*this, n, AttrKind::Float); }
double AttrMap::get_float_or(std::string_view n, double d) const { return has(n) ? get_float(n) : d; }
bool AttrMap::get_bool_or(std::string_view n, bool d) const {
  return has(n) ? get_as<bool>(*this, n, AttrKind::Bool) : d;
}
const IntList& AttrMap::get_ints(std::string_view n) const { return get_as<IntList>(*this, n, AttrKind::Ints); }
std::optional<IntList> AttrMap::get_ints_opt(std::string_view n) const {
  if (!has(n)) return std::nullopt;
  return get_ints(n);
}

const FloatList& AttrMap::get_floats(std::string_view n) const { return get_as<FloatList>(*this, n, AttrKind::Floats); }
bool AttrMap::is_list(std::string_view n) const {
  const AttrValue* v = find(n);
  return v && (kind_of(*v) == AttrKind::Floats || kind_of(*v) == AttrKind::Ints);
}

std::string AttrMap::get_str_or(std::string_view n, std::string_view d) const {
  return has(n) ? get_as<std::string>(*this, n, AttrKind::Str) : std::string(d);
}

void check_attrs(AttrMap& attrs, std::span<const AttrSpec> schema) {
  for (const auto& [name, value] : attrs.entries()) {
    auto spec = std::find_if(schema.begin(), schema.end(), [&](const AttrSpec& s) { return s.name == name; });
    if (spec == schema.end()) {
      std::string known;
      for (const auto& s : schema) known += (known.empty() ? "" : ", ") + std::string(s.name);
      throw ShapeError("unknown attribute '" + name + "'" +
                       (known.empty() ? std::string(" (this op takes no attributes)") : " (expected one of: " + known + ")"));
    }
    const AttrKind got = kind_of(value);
    const bool list_wanted = spec->kind == AttrKind::Floats || (spec->kind == AttrKind::Float && spec->or_list);
    if (got == spec->kind || (list_wanted && got == AttrKind::Floats)) continue;
    if (spec->kind == AttrKind::Float && got == AttrKind::Int) {
      attrs.set(name, static_cast<double>(std::get<std::int64_t>(value)));
      continue;
    }
    if (list_wanted && got == AttrKind::Ints) {
      const IntList& l = std::get<IntList>(value);
      attrs.set(name, FloatList(l.begin(), l.end()));
      continue;
    }
    throw ShapeError("attribute '" + name + "' must be " + std::string(to_string(spec->kind)) +
                     (spec->or_list ? " or a list of floats" : "") + ", got " + std::string(to_string(got)));
  }
  for (const auto& s : schema)
    if (s.required && !attrs.has(s.name)) throw ShapeError("missing required attribute '" + std::string(s.name) + "'");
}

std::string to_string(const AttrValue& v) {
  struct Printer {
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string& id) const { return id; }
    std::string operator()(double d) const {
      if (std::isnan(d)) return "nan";
      if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
      char buf[64];
      auto res = std::to_chars(buf, buf + sizeof buf, d);  // shortest round-trip form
      std::string s(buf, res.ptr);
      if (s.find_first_of(".en") == std::string::npos) s += ".0";
      return s;
    }
    std::string operator()(const IntList& l) const {
      std::string s = "[";
      for (std::size_t i = 0; i < l.size(); ++i) s += (i ? ", " : "") + std::to_string(l[i]);
      return s + "]";
    }
    std::string operator()(const FloatList& l) const {
      std::string s = "[";
      for (std::size_t i = 0; i < l.size(); ++i) s += (i ? ", " : "") + (*this)(l[i]);
      return s + "]";
    }
  };
  return std::visit(Printer{}, v);
}

}  // namespace vt::spec
