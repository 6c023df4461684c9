#include "vt/contracts/realistic_graphs.hpp"

#include <stdexcept>

#include "vt/spec/text_format.hpp"

namespace vt::contracts {
namespace {

// The arguments, the op's node(s) ending in %y : T<out>, in .vtg text with
// T for the float dtype; the cotangent input and the loss are added here.
struct Entry {
  const char* name;
  const char* op;
  const char* body;
  const char* out;  // %y's shape, e.g. "[16, 32]"
};

// clang-format off
constexpr Entry kEntries[] = {
  {"linear 16x64 -> 32", "linear",
   "param %x : T[16, 64]\n param %w : T[32, 64]\n param %b : T[32]\n %y = linear(%x, %w, %b)", "[16, 32]"},
  {"linear 128x256 -> 64 (K >= 64)", "linear",
   "param %x : T[128, 256]\n param %w : T[64, 256]\n param %b : T[64]\n %y = linear(%x, %w, %b)", "[128, 64]"},
  {"matmul, batch broadcast", "matmul",
   "param %a : T[4, 32, 64]\n param %b : T[64, 48]\n %y = matmul(%a, %b)", "[4, 32, 48]"},
  {"conv2d 16 -> 32, 3x3, padding 1 (K = 144)", "conv2d",
   "param %x : T[2, 16, 8, 8]\n param %w : T[32, 16, 3, 3]\n param %b : T[32]\n %y = conv2d(%x, %w, %b) {padding = [1]}",
   "[2, 32, 8, 8]"},
  {"conv2d grouped, stride 2", "conv2d",
   "param %x : T[2, 8, 9, 9]\n param %w : T[8, 4, 3, 3]\n %y = conv2d(%x, %w) {groups = 2, stride = [2]}", "[2, 8, 4, 4]"},
  {"max_pool2d 2x2 over width 13", "max_pool2d",
   "param %x : T[4, 16, 13, 13]\n %y = max_pool2d(%x) {kernel_size = [2]}", "[4, 16, 6, 6]"},
  {"avg_pool2d 3x3, stride 1, padding 1", "avg_pool2d",
   "param %x : T[2, 8, 10, 10]\n %y = avg_pool2d(%x) {kernel_size = [3], padding = [1], stride = [1]}", "[2, 8, 10, 10]"},
  {"layer_norm over 128", "layer_norm",
   "param %x : T[32, 128]\n param %w : T[128]\n param %b : T[128]\n %y = layer_norm(%x, %w, %b) {normalized_shape = [128]}",
   "[32, 128]"},
  {"batch_norm, training, 32 rows", "batch_norm",
   "param %x : T[32, 64]\n param %w : T[64]\n param %b : T[64]\n input %rm : T[64]\n input %rv : T[64]\n"
   " %y = batch_norm(%x, %w, %b, %rm, %rv) {training = true}", "[32, 64]"},
  {"softmax over 128", "softmax", "param %x : T[32, 128]\n %y = softmax(%x) {axis = 1}", "[32, 128]"},
  {"log_softmax over 128", "log_softmax", "param %x : T[32, 128]\n %y = log_softmax(%x) {axis = 1}", "[32, 128]"},
  {"cross_entropy, 64 rows of 10", "cross_entropy", "param %x : T[64, 10]\n input %t : i64[64]\n %y = cross_entropy(%x, %t)", "[]"},
  {"mse_loss 64x32", "mse_loss", "param %x : T[64, 32]\n input %t : T[64, 32]\n %y = mse_loss(%x, %t)", "[]"},
  {"sum of rows of 256", "sum", "param %x : T[64, 256]\n %y = sum(%x) {axes = [1]}", "[64]"},
  {"mean of 2048", "mean", "param %x : T[32, 64]\n %y = mean(%x) {axes = [0, 1]}", "[]"},
  {"amax over 128", "amax", "param %x : T[32, 128]\n %y = amax(%x) {axis = 1}", "[32]"},
  {"attention, 4 heads, 32 tokens, causal", "scaled_dot_product_attention",
   "param %q : T[2, 4, 32, 16]\n param %k : T[2, 4, 32, 16]\n param %v : T[2, 4, 32, 16]\n"
   " %y = scaled_dot_product_attention(%q, %k, %v) {causal = true}", "[2, 4, 32, 16]"},
  {"embedding, 128 lookups of 64", "embedding", "param %w : T[10, 64]\n input %i : i64[16, 8]\n %y = embedding(%w, %i)",
   "[16, 8, 64]"},
  {"gather along 10", "gather", "param %x : T[16, 10]\n input %i : i64[16, 10]\n %y = gather(%x, %i) {axis = 1}", "[16, 10]"},
  {"scatter_add along 10", "scatter_add",
   "param %x : T[16, 10]\n input %i : i64[16, 10]\n param %s : T[16, 10]\n %y = scatter_add(%x, %i, %s) {axis = 1}", "[16, 10]"},
  {"mul, bias-like broadcast over 64 rows", "mul", "param %a : T[64, 128]\n param %b : T[128]\n %y = mul(%a, %b)", "[64, 128]"},
  {"add, column broadcast over 128", "add", "param %a : T[64, 128]\n param %b : T[64, 1]\n %y = add(%a, %b)", "[64, 128]"},
  {"div", "div", "param %a : T[64, 64]\n param %c : T[64, 64]\n %e = exp(%c) : T[64, 64]\n %y = div(%a, %e)", "[64, 64]"},
  {"broadcast_to over 128", "broadcast_to", "param %x : T[64, 1]\n %y = broadcast_to(%x) {shape = [64, 128]}", "[64, 128]"},
  {"square", "square", "param %x : T[64, 64]\n %y = square(%x)", "[64, 64]"},
  {"exp", "exp", "param %x : T[64, 64]\n %y = exp(%x)", "[64, 64]"},
  {"log", "log", "param %c : T[64, 64]\n %e = exp(%c) : T[64, 64]\n %y = log(%e)", "[64, 64]"},
  {"sqrt", "sqrt", "param %c : T[64, 64]\n %e = exp(%c) : T[64, 64]\n %y = sqrt(%e)", "[64, 64]"},
  {"tanh", "tanh", "param %x : T[64, 64]\n %y = tanh(%x)", "[64, 64]"},
  {"sigmoid", "sigmoid", "param %x : T[64, 64]\n %y = sigmoid(%x)", "[64, 64]"},
  {"gelu (erf)", "gelu", "param %x : T[64, 64]\n %y = gelu(%x)", "[64, 64]"},
  {"gelu (tanh)", "gelu", "param %x : T[64, 64]\n %y = gelu(%x) {approximate = tanh}", "[64, 64]"},
  {"silu", "silu", "param %x : T[64, 64]\n %y = silu(%x)", "[64, 64]"},
  {"softplus", "softplus", "param %x : T[64, 64]\n %y = softplus(%x)", "[64, 64]"},
  {"log_sigmoid", "log_sigmoid", "param %x : T[64, 64]\n %y = log_sigmoid(%x)", "[64, 64]"},
  {"log1p", "log1p", "param %c : T[64, 64]\n %e = exp(%c) : T[64, 64]\n %y = log1p(%e)", "[64, 64]"},
  {"expm1", "expm1", "param %x : T[64, 64]\n %y = expm1(%x)", "[64, 64]"},
  {"pow 2.5", "pow", "param %c : T[64, 64]\n %e = exp(%c) : T[64, 64]\n %y = pow(%e) {exponent = 2.5}", "[64, 64]"},
  {"pow, tensor powers", "pow", "param %c : T[64, 64]\n param %k : T[64]\n %e = exp(%c) : T[64, 64]\n %y = pow(%e, %k)",
   "[64, 64]"},
  {"max(dim) over 128", "max", "param %x : T[32, 128]\n %y = max(%x) {axis = 1}", "[32]"},
  {"amin over all 4096", "amin", "param %x : T[32, 128]\n %y = amin(%x)", "[]"},
};
// clang-format on

std::string with_dtype(std::string text, const std::string& t) {
  for (std::size_t at = text.find("T["); at != std::string::npos; at = text.find("T[", at + t.size())) text.replace(at, 1, t);
  return text;
}

}  // namespace

std::vector<RealisticCase> realistic_cases(spec::DType dtype) {
  if (dtype != spec::DType::f32 && dtype != spec::DType::f64)
    throw std::invalid_argument("realistic_cases: dtype must be f32 or f64, got " + std::string(spec::to_string(dtype)));
  std::vector<RealisticCase> out;
  for (const Entry& e : kEntries) {
    const std::string text = std::string("graph realistic {\n ") + e.body + " : T" + e.out + "\n input %cot : T" + e.out +
                             "\n %p = mul(%y, %cot) : T" + e.out + "\n %l = sum(%p) : T[]\n output %l\n}\n";
    out.push_back({e.name, e.op, spec::parse_vtg(with_dtype(text, std::string(spec::to_string(dtype))), e.name)});
  }
  return out;
}

}  // namespace vt::contracts
