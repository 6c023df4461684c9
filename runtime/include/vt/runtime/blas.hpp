#pragma once
// The BLAS calls the runtime makes, typed by scalar (sgemm for float, dgemm
// for double), row-major. OpenBLAS runs single-threaded unless asked.
#include <cstdint>

namespace vt::rt {

// C[M,N] = alpha * op(A) op(B) + beta * C, row-major; op transposes when the flag is set.
// lda/ldb/ldc are the row strides of A, B, C as stored.
template <class S>
void gemm(bool trans_a, bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, S alpha, const S* A, std::int64_t lda,
          const S* B, std::int64_t ldb, S beta, S* C, std::int64_t ldc);

// Threads OpenBLAS may use (default 1: deterministic, and what benchmarks compare).
void set_blas_threads(int n);
int blas_threads();

}  // namespace vt::rt
