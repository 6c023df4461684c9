#pragma once
// A folder written by the PyTorch exporter (python3 -m veritape_torch export):
// model.vtg, values.npz (inputs, parameters, every node's value and gradient
// as torch computed them) and meta.json (torch version, dtype, the node map).
#include <string>

#include "vt/reference/audit.hpp"
#include "vt/spec/graph.hpp"

namespace vt::cli {

struct TorchExport {
  spec::GraphData graph;
  ref::AuditData data;  // producer "PyTorch <version> (<device>, <dtype>) running <model file>"; origins from the node map
};

// Throws std::runtime_error naming the file at fault.
TorchExport load_torch_export(const std::string& dir);

// A fresh folder under the system's temporary directory, removed with this.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace vt::cli
