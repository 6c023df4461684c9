#pragma once
// Idx: a Z3 integer as the index type of the spec's index templates
// (BasicWindow2d, BasicAxisView, window_positions). Every intermediate value
// the code computes is recorded, so that a theorem can require each to fit
// the machine index type: a value computed in two's-complement w-bit
// arithmetic equals the mathematical one exactly when every intermediate
// result lies in [-2^(w-1), 2^(w-1)). (Bit-blasting 64-bit products of
// symbolic sizes did not finish in 120 s; this equivalent integer form takes
// milliseconds.)
#include <z3++.h>

#include <vector>

namespace vt::contracts {

class IdxWorld {
 public:
  explicit IdxWorld(z3::context& ctx) : ctx(ctx) {}
  z3::context& ctx;
  std::vector<z3::expr> intermediates;

  static IdxWorld& current();
  class Scope {
   public:
    explicit Scope(IdxWorld& w);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    IdxWorld* previous_;
  };
};

class Idx {
 public:
  Idx(long v);  // NOLINT(google-explicit-constructor): literals in index code (`oh * sh - ph`, `I(1)`)
  explicit Idx(z3::expr e) : e_(std::move(e)) {}
  const z3::expr& expr() const { return e_; }

  friend Idx operator+(const Idx& a, const Idx& b) { return record(a.e_ + b.e_); }
  friend Idx operator-(const Idx& a, const Idx& b) { return record(a.e_ - b.e_); }
  friend Idx operator*(const Idx& a, const Idx& b) { return record(a.e_ * b.e_); }
  friend Idx operator/(const Idx& a, const Idx& b) { return record(a.e_ / b.e_); }  // operands >= 0 in the uses proved
  friend z3::expr operator<(const Idx& a, const Idx& b) { return a.e_ < b.e_; }
  friend z3::expr operator<=(const Idx& a, const Idx& b) { return a.e_ <= b.e_; }
  friend z3::expr operator>(const Idx& a, const Idx& b) { return a.e_ > b.e_; }
  friend z3::expr operator>=(const Idx& a, const Idx& b) { return a.e_ >= b.e_; }
  friend z3::expr operator==(const Idx& a, const Idx& b) { return a.e_ == b.e_; }

 private:
  static Idx record(z3::expr e);
  z3::expr e_;
};

}  // namespace vt::contracts
