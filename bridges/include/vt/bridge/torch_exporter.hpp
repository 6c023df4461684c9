#pragma once
// Running the PyTorch exporter (bridges/torch, `python3 -m veritape_torch
// export`) from C++: which Python, where the package is, how long to wait.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace vt::bridge {

struct TorchExporter {
  std::string python;       // an interpreter that can import torch
  std::string package_dir;  // the folder holding veritape_torch/
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};

// $VERITAPE_PYTHON, else the Python found with torch when veritape was
// configured (else "python3"); the package from $VERITAPE_TORCH_BRIDGE, else
// this source tree's bridges/torch; the timeout from $VERITAPE_TORCH_TIMEOUT
// (seconds), else 5 minutes. Throws std::invalid_argument on a bad timeout.
TorchExporter default_torch_exporter();

// The environment entries that let `how.python -m veritape_torch` find the
// package (PYTHONPATH, with the caller's own after it) and write no bytecode into it.
std::vector<std::pair<std::string, std::string>> bridge_environment(const TorchExporter& how);

// Exports MODEL.py to out_dir (model.vtg, values.npz, meta.json). Throws
// std::runtime_error with the exporter's own message when it fails, times
// out or cannot start.
void export_torch_model(const TorchExporter& exporter, const std::string& model_py, const std::string& out_dir);

}  // namespace vt::bridge
