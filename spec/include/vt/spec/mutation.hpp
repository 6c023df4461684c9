#pragma once
// Planted bugs, switched on at run time one at a time, so that the property
// suites can prove they catch each of them ("N of N planted bugs detected").
// The switch is read once per op call or per tape sweep, never per element;
// with no mutant planted (always, outside the mutation tests) the engine
// runs its correct code.
//
//   { spec::mutation::Plant p(spec::mutation::Mutant::vjp_wrong_sign);
//     ... run a property: it must fail ... }
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace vt::spec::mutation {

enum class Mutant : std::uint8_t {
  none,
  vjp_wrong_sign,          // neg's VJP: dx += g instead of -g
  matmul_no_transpose,     // matmul's da reads b as if already transposed
  broadcast_no_reduce,     // add/sub/mul: a broadcast operand's gradient takes one slice instead of the sum
  mean_wrong_count,        // mean's VJP divides by the input's size, not the reduced count
  assign_not_accumulate,   // the reverse sweep assigns a gradient instead of adding to it
  relu_grad_below_zero,    // relu's VJP passes g where x < 0 too
  softmax_no_subtraction,  // softmax's VJP: dx += y*g, missing - y*sum(g*y)
  fast_gemm_wrong_ld,      // a FastKernel GEMM with a wrong leading dimension
  compiled_skips_node,     // the compiled forward sweep skips one node
  fast_backward_drops_row, // a FastKernel backward GEMM (linear's dW) summing one row too few
  conv2d_flipped_kernel,   // conv2d's dx through the spatially flipped kernel
  conv2d_ignores_padding,  // conv2d's dx placed as if there were no padding
  layer_norm_drops_mean_term,  // layer_norm's VJP: dx misses the -mean(g*w) term
  attention_drops_softmax_correction,  // scaled_dot_product_attention's VJP: dS = P*dP, missing -P*rowsum(P*dP)
  fast_gemm_tf32_inputs,   // linear's backward GEMMs on inputs rounded to TF32 (10 significand bits), as tensor cores may
  fast_gemm_fp16_inputs,   // linear's backward GEMMs on inputs rounded to float16 (10 bits, exponent range 2^-24 .. 65504)
  fast_sum_drops_smallest, // linear's bias gradient: each column sum leaves out its smallest-magnitude term
  relu_grad_at_zero,       // relu's VJP passes g at x == 0 (relu'(0) = 1, not torch's 0)
  linked_replay_stale_input,  // a LinkedSession replay keeps the recorded run's input values (a cache never refreshed)
  optimizer_drops_weight_decay,  // the runtime Optimizer steps without its group's weight_decay
  printer_drops_last_attribute,  // the .vtg printer leaves out a node's last attribute
  verifier_skips_type_check,     // the verifier accepts a declared type that differs from the shape rule
  fast_matmul_broadcast_overwrites,  // matmul's backward: a broadcast operand's gradient overwritten per batch, not summed
  fast_conv_dw_overwrites,           // conv2d's dW: each image's product overwrites the previous images' instead of adding
  fast_conv_dx_reads_first_image,    // conv2d's dx: every image's input gradient from the first image's cotangent
  fast_conv_bias_skips_last_image,   // conv2d's bias gradient: the last image's cotangent left out of the sum
  fast_max_pool2x2_first_tap,        // max_pool2d's 2x2 path: the gradient always to the window's top-left tap
  fast_norm_drops_mean_term,         // layer_norm/batch_norm kernels: dx misses its -mean(g') term
  fast_permute_reverses_rows,        // permute/transpose backward: each contiguous row of the gradient read reversed
  fast_embedding_assigns,            // embedding's backward: a repeated index keeps the last row instead of the sum
  session_zero_grad_keeps_params,    // Session::zero_grad leaves parameters' gradients in place (they accumulate across steps)
  schedule_step_decays_late,         // StepLR decays one step after each period (an off-by-one in the period)
  schedule_cosine_never_restarts,    // CosineAnnealingLR holds eta_min past T_max, where torch's cosine turns back up
  fast_attention_cache_unchecked,    // attention's backward reuses saved probabilities of the right shape without comparing q, k
  fast_im2col_shifted_drops_first,   // im2col's shifted-plane path (stride 1, output as wide as the input): each tap's first valid element zeroed
  fast_conv_bias_first_of_group,     // conv2d's forward: every output channel of a group gets the group's first bias
  fast_attention_causal_sees_next,   // attention's fused forward: a causal row also sees the next key
  session_detach_keeps_graph,        // Session::detach returns the tensor itself: gradients flow through it
  fast_norm_backward_drops_eps,      // layer_norm/batch_norm backward: s = sqrt(var) without eps (a constant group gives 0/0)
  optimizer_group_options_from_first,  // the runtime Optimizer steps every group with the first group's options
  optim_rule_adam_drops_bias_correction2,  // the shared Adam/AdamW rule (float and exact runs alike) divides by sqrt(v), not sqrt(v / (1 - beta2^t))
  fast_conv_dw_transposed_overwrites,  // conv2d's dW on its long-column path (K >= 64, which small shapes never reach): each image overwrites the last
  cuda_guard_off_by_one,             // a CUDA elementwise kernel's guard i <= n: the thread past the last element touches element n
  cuda_missing_atomic,               // the atomic CUDA broadcast backward adds with a plain read-modify-write (a race)
  cuda_unwritten_output,             // the CUDA axis-reduction kernel never writes its last output element
  cuda_reduction_drops_partial_block,  // the CUDA full-reduction tree launches n / (2 * threads) blocks: the last partial block is lost
  cuda_index_overflow_32,            // a CUDA elementwise kernel computes its global index in 32 bits
  count_,                            // not a mutant: one past the last (kMutantNames must name each before it)
};

// Every mutant with its name, in the order the campaigns plant them.
struct MutantName {
  Mutant mutant;
  std::string_view name;
};
inline constexpr MutantName kMutantNames[] = {
    {Mutant::vjp_wrong_sign, "vjp_wrong_sign"},
    {Mutant::matmul_no_transpose, "matmul_no_transpose"},
    {Mutant::broadcast_no_reduce, "broadcast_no_reduce"},
    {Mutant::mean_wrong_count, "mean_wrong_count"},
    {Mutant::assign_not_accumulate, "assign_not_accumulate"},
    {Mutant::relu_grad_below_zero, "relu_grad_below_zero"},
    {Mutant::softmax_no_subtraction, "softmax_no_subtraction"},
    {Mutant::fast_gemm_wrong_ld, "fast_gemm_wrong_ld"},
    {Mutant::compiled_skips_node, "compiled_skips_node"},
    {Mutant::fast_backward_drops_row, "fast_backward_drops_row"},
    {Mutant::conv2d_flipped_kernel, "conv2d_flipped_kernel"},
    {Mutant::conv2d_ignores_padding, "conv2d_ignores_padding"},
    {Mutant::layer_norm_drops_mean_term, "layer_norm_drops_mean_term"},
    {Mutant::attention_drops_softmax_correction, "attention_drops_softmax_correction"},
    {Mutant::fast_gemm_tf32_inputs, "fast_gemm_tf32_inputs"},
    {Mutant::fast_gemm_fp16_inputs, "fast_gemm_fp16_inputs"},
    {Mutant::fast_sum_drops_smallest, "fast_sum_drops_smallest"},
    {Mutant::relu_grad_at_zero, "relu_grad_at_zero"},
    {Mutant::linked_replay_stale_input, "linked_replay_stale_input"},
    {Mutant::optimizer_drops_weight_decay, "optimizer_drops_weight_decay"},
    {Mutant::printer_drops_last_attribute, "printer_drops_last_attribute"},
    {Mutant::verifier_skips_type_check, "verifier_skips_type_check"},
    {Mutant::fast_matmul_broadcast_overwrites, "fast_matmul_broadcast_overwrites"},
    {Mutant::fast_conv_dw_overwrites, "fast_conv_dw_overwrites"},
    {Mutant::fast_conv_dx_reads_first_image, "fast_conv_dx_reads_first_image"},
    {Mutant::fast_conv_bias_skips_last_image, "fast_conv_bias_skips_last_image"},
    {Mutant::fast_max_pool2x2_first_tap, "fast_max_pool2x2_first_tap"},
    {Mutant::fast_norm_drops_mean_term, "fast_norm_drops_mean_term"},
    {Mutant::fast_permute_reverses_rows, "fast_permute_reverses_rows"},
    {Mutant::fast_embedding_assigns, "fast_embedding_assigns"},
    {Mutant::session_zero_grad_keeps_params, "session_zero_grad_keeps_params"},
    {Mutant::schedule_step_decays_late, "schedule_step_decays_late"},
    {Mutant::schedule_cosine_never_restarts, "schedule_cosine_never_restarts"},
    {Mutant::fast_attention_cache_unchecked, "fast_attention_cache_unchecked"},
    {Mutant::fast_im2col_shifted_drops_first, "fast_im2col_shifted_drops_first"},
    {Mutant::fast_conv_bias_first_of_group, "fast_conv_bias_first_of_group"},
    {Mutant::fast_attention_causal_sees_next, "fast_attention_causal_sees_next"},
    {Mutant::session_detach_keeps_graph, "session_detach_keeps_graph"},
    {Mutant::fast_norm_backward_drops_eps, "fast_norm_backward_drops_eps"},
    {Mutant::optimizer_group_options_from_first, "optimizer_group_options_from_first"},
    {Mutant::optim_rule_adam_drops_bias_correction2, "optim_rule_adam_drops_bias_correction2"},
    {Mutant::fast_conv_dw_transposed_overwrites, "fast_conv_dw_transposed_overwrites"},
    {Mutant::cuda_guard_off_by_one, "cuda_guard_off_by_one"},
    {Mutant::cuda_missing_atomic, "cuda_missing_atomic"},
    {Mutant::cuda_unwritten_output, "cuda_unwritten_output"},
    {Mutant::cuda_reduction_drops_partial_block, "cuda_reduction_drops_partial_block"},
    {Mutant::cuda_index_overflow_32, "cuda_index_overflow_32"},
};

// A mutant added to the enum but not to the table would never be planted.
constexpr bool every_mutant_named_in_order() {
  if (std::size(kMutantNames) + 1 != static_cast<std::size_t>(Mutant::count_)) return false;
  for (std::size_t i = 0; i < std::size(kMutantNames); ++i)
    if (static_cast<std::size_t>(kMutantNames[i].mutant) != i + 1) return false;
  return true;
}
static_assert(every_mutant_named_in_order(), "kMutantNames must list every Mutant, in the enum's order");

inline constexpr auto kAllMutants = [] {
  std::array<Mutant, std::size(kMutantNames)> all{};
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = kMutantNames[i].mutant;
  return all;
}();

constexpr std::string_view to_string(Mutant m) {
  if (m == Mutant::none) return "none";
  for (const MutantName& e : kMutantNames)
    if (e.mutant == m) return e.name;
  return "?";
}

inline std::atomic<Mutant>& active_slot() {
  static std::atomic<Mutant> m{Mutant::none};
  return m;
}
inline Mutant active() { return active_slot().load(std::memory_order_relaxed); }
inline bool planted(Mutant m) { return active() == m; }

// Plants one mutant for the scope's lifetime.
class Plant {
 public:
  explicit Plant(Mutant m) : saved_(active_slot().exchange(m)) {}
  ~Plant() { active_slot().store(saved_); }
  Plant(const Plant&) = delete;
  Plant& operator=(const Plant&) = delete;

 private:
  Mutant saved_;
};

}  // namespace vt::spec::mutation
