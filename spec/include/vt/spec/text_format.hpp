#pragma once
// The .vtg text format of GraphData: a parser and a canonical printer.
//
//   graph mlp {
//     input %x : f32[16, 784]
//     param %W : f32[256, 784]
//     %h = linear(%x, %W) : f32[16, 256]
//     %s = sum(%h) {axes = [0], keepdim = true} : f32[1, 256]
//     output %s
//   }
//
// The grammar, its semantics and the error format are documented in
// docs/vtg-format.md. The parser checks syntax only (well-formed tokens, dtypes,
// non-negative dimensions, no duplicate attribute keys); ops, operand
// definitions and types are the verifier's job.
#include <cstddef>
#include <string>
#include <string_view>

#include "vt/spec/error.hpp"
#include "vt/spec/graph.hpp"

namespace vt::spec {

// Largest file load_vtg_file accepts; a graph that large is almost surely a mistake.
inline constexpr std::size_t kMaxVtgFileBytes = std::size_t{64} << 20;

// Parses .vtg text. Throws ParseError whose what() is "FILE:LINE:COL: message"
// and whose .loc is the position (1-based; columns count bytes, a tab is 1).
GraphData parse_vtg(std::string_view text, std::string_view filename = "<input>");

// Reads a file and parses it. Throws ParseError "FILE: cannot open: <reason>"
// when it cannot be read, and rejects files over kMaxVtgFileBytes.
GraphData load_vtg_file(const std::string& path);

// Canonical text: print_vtg(parse_vtg(t)) == t for every t print_vtg produced.
// A graph built in code re-parses equal to itself when its names are valid
// tokens (see is_identifier / is_value_name) and its float attributes are finite.
std::string print_vtg(const GraphData& g);

// Token classes, shared with the JSON reader so both accept the same names.
// IDENT := [A-Za-z_][A-Za-z0-9_]*   (graph names, op names, attribute keys and
//                                    identifier attribute values)
// For messages that quote user input: printable ASCII as is, other bytes as
// \xNN, so binary garbage stays one readable line. quote_bytes also adds
// quotes and cuts after 40 bytes ("...").
std::string escape_bytes(std::string_view s);
std::string quote_bytes(std::string_view s);

bool is_identifier(std::string_view s);
// The part of a VALUE after '%': [A-Za-z0-9_.]+
bool is_value_name(std::string_view s);

}  // namespace vt::spec
