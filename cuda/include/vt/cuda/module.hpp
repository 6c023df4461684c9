#pragma once

// The cuda module has no kernels yet: this header only names its namespace,
// so that the target, its include folder and VT_HAVE_CUDA exist for the
// build and for find_package(veritape) consumers.
namespace vt::cuda {}
