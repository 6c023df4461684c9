#pragma once
// The JSON interchange form of GraphData (used by the foreign-process bridge
// and `veritape export/import`). Names carry no '%':
//
//   {"graph": "mlp",
//    "args":    [{"name": "x", "kind": "input", "dtype": "f32", "shape": [16, 784]}],
//    "nodes":   [{"name": "s", "op": "sum", "inputs": ["x"],
//                 "attrs": {"axes": [0], "keepdim": true},
//                 "type": {"dtype": "f32", "shape": [1, 784]}}],
//    "outputs": ["s"]}
//
// Attribute values: int -> JSON integer, float -> JSON float (nlohmann keeps
// number_float, so 1.0 stays a float), bool, identifier -> string, int list ->
// array of integers. Source locations are not part of the JSON form.
#include <nlohmann/json.hpp>

#include "vt/spec/error.hpp"
#include "vt/spec/graph.hpp"

namespace vt::spec {

nlohmann::json to_json(const GraphData& g);

// Validates everything (keys, kinds, names as in .vtg, dtypes, shapes) and
// throws ParseError with an unknown loc and a message naming the JSON path,
// e.g. "json: nodes[3].type.shape[1]: expected integer, found string".
// "attrs" may be omitted; every other key is required and unknown keys are
// rejected. Never lets a nlohmann exception escape.
GraphData from_json(const nlohmann::json& j);

}  // namespace vt::spec
