// Downstream consumer of an installed veritape (see scripts/test-consumer.sh).
#include <iostream>

#include <vt/spec/dtype.hpp>

int main() {
  std::cout << vt::spec::to_string(vt::spec::DType::f32) << '\n';
  return 0;
}
