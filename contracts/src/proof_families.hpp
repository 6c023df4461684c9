#pragma once
// The bounded families of cases over which each op's theorems are proved:
// input types, attributes, and concrete values of index inputs. Every case
// passes the op's own shape rule (infer_type), which also normalizes its
// attributes.
#include <string>
#include <vector>

#include "vt/spec/op_table.hpp"

namespace vt::contracts {

// quick: rank <= 2, dims <= 2 (CTest); standard: rank <= 3, dims <= 2 (the
// default table); full: rank <= 3, dims <= 3. Ops whose cost grows with the
// branch paths (max, softmax, ...) cap the element count as their family says.
enum class FamilySize { quick, standard, full };

struct ProofCase {
  std::vector<spec::TensorType> inputs;
  spec::AttrMap attrs;
  std::vector<std::vector<std::int64_t>> indices;  // per input: its values if it is an index input, else empty
  spec::TensorType output;
};

struct Family {
  std::string text;  // the bounds, in words
  std::vector<ProofCase> cases;
};

// The soundness family of an op; no cases for ops without a differentiable
// float input (constants, argmax).
Family soundness_family(const spec::OpInfo& op, FamilySize size);

// "add(f32[2, 3], f32[3]) {keepdim = true}"
std::string describe(const spec::OpInfo& op, const ProofCase& c);

}  // namespace vt::contracts
