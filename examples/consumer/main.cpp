// Downstream consumer of an installed veritape (see scripts/test-consumer.sh):
// parses and verifies a graph, lowers it onto the generic tape (vt::spec) and
// runs forward and backward; then runs the same graph compiled on the float
// runtime (vt::rt) and takes one SGD step with the training helpers'
// optimizer (vt::train). Prints "f32 grad 3 -4 step 0 0".
#include <iostream>
#include <vector>

#include <vt/runtime/program.hpp>
#include <vt/spec/dense_backend.hpp>
#include <vt/spec/lower.hpp>
#include <vt/spec/text_format.hpp>
#include <vt/train/optim.hpp>

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

  // x - 0.5 * 2x = 0, exactly in float32.
  vt::rt::Program<float> program(g);
  program.set("x", std::vector<float>{1.5f, -2.0f});
  program.forward();
  program.backward();
  vt::train::OptimOptions sgd = vt::train::OptimOptions::defaults(vt::train::OptimKind::SGD);
  sgd.lr = 0.5;
  vt::train::Optimizer<float> optimizer(vt::train::OptimKind::SGD, 1, sgd);
  const std::vector<vt::train::ParamView<float>> views{{&program.arg("x"), program.grad("x")}};
  optimizer.step(views);
  const auto& x = program.arg("x").data;

  std::cout << vt::spec::to_string(g.args[0].type.dtype) << " grad " << grad[0] << " " << grad[1] << " step " << x[0] << " "
            << x[1] << '\n';
  return grad[0] == 3.0 && grad[1] == -4.0 && x[0] == 0.0f && x[1] == 0.0f ? 0 : 1;
}
