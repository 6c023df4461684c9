#pragma once
// The libtorch peers run on one thread, like ours. torch::set_num_threads(1)
// covers torch's own pool, but Debian's libtorch calls OpenBLAS (through
// libblas.so.3), whose thread pool is sized from OPENBLAS_NUM_THREADS when the
// library loads: too late to set from main. So a peer started without it
// sets it and runs itself again (veritape-bench sets it for every benchmark).
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vt::bench {

inline void run_on_one_thread(char** argv) {
  const char* blas = std::getenv("OPENBLAS_NUM_THREADS");
  if (!blas || std::strcmp(blas, "1") != 0) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    setenv("OMP_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);
    std::perror("re-running with OPENBLAS_NUM_THREADS=1");  // only reached when execv failed
    std::exit(1);
  }
  torch::set_num_threads(1);
}

}  // namespace vt::bench
