#pragma once
// Errors of the spec layer. Every error that a user can cause carries the place
// it refers to (file:line:col when it comes from text, the node otherwise).
#include <cstdint>
#include <stdexcept>
#include <string>

namespace vt::spec {

// A position in a .vtg text; line and col are 1-based, 0 means "not from text".
struct SrcLoc {
  std::uint32_t line = 0;
  std::uint32_t col = 0;
  bool known() const { return line != 0; }
  friend bool operator==(SrcLoc, SrcLoc) = default;
};

// A shape or attribute rule was violated; the message names what and why.
// The caller (verifier, builder, runtime) adds which node and where.
struct ShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Text that is not a valid .vtg file: message is "file:line:col: what".
struct ParseError : std::runtime_error {
  SrcLoc loc;
  ParseError(const std::string& msg, SrcLoc l) : std::runtime_error(msg), loc(l) {}
};

// A graph that fails verification; what() holds every diagnostic, one a line.
struct VerifyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An operation applied to values it is not defined on (e.g. an exact division
// by zero, an out-of-range class index): names the op and the offending value.
// `inconclusive` marks the interval case where the answer is not wrong but
// undecidable at the working precision (an ambiguous comparison).
struct DomainError : std::runtime_error {
  explicit DomainError(const std::string& msg, bool undecided = false)
      : std::runtime_error(msg), inconclusive(undecided) {}
  bool inconclusive = false;
};

}  // namespace vt::spec

namespace vt::spec {

// An API used against its contract (backward on a non-scalar without a seed,
// reading the gradient of a value that does not require one, ...).
struct UsageError : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace vt::spec
