// Downstream consumer of an installed veritape (see scripts/test-consumer.sh):
// parses and verifies a graph, lowers it onto the generic tape, runs forward
// and backward, and prints "f32" plus the gradient it found.
#include <iostream>

#include <vt/spec/dense_backend.hpp>
#include <vt/spec/lower.hpp>
#include <vt/spec/text_format.hpp>

int main() {
  const auto g = vt::spec::parse_vtg(
      "graph sq {\n  param %x : f32[2]\n  %y = square(%x) : f32[2]\n  %s = sum(%y) : f32[]\n  output %s\n}\n");
  vt::spec::DenseBackend<double> backend;
  vt::spec::Tape<vt::spec::DenseBackend<double>> tape(backend);
  const auto lowered = vt::spec::lower(g, tape);
  tape.leaf_value(lowered.arg_slots[0]).data = {1.5, -2.0};
  tape.run_forward();
  tape.backward(lowered.output_slots[0]);
  const auto& grad = tape.grad(lowered.arg_slots[0])->data;  // d/dx sum(x^2) = 2x
  std::cout << vt::spec::to_string(g.args[0].type.dtype) << " grad " << grad[0] << " " << grad[1] << '\n';
  return grad[0] == 3.0 && grad[1] == -4.0 ? 0 : 1;
}
