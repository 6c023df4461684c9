#pragma once
// PyTorch as a foreign backend: `python3 -m veritape_torch worker` in a
// separate process, spoken to in the protocol of docs/bridge-protocol.md
// (a hello with the protocol version, then JSON-line headers with raw
// little-endian tensor payloads). Every reply is checked before it is used:
// the header parses and answers the request, the payload is whole, and each
// tensor has the name, dtype and shape the graph gives it. Anything else (a
// worker that crashed, hung, cut its reply short, wrote garbage or a wrong
// shape) is a WorkerFault naming what happened; the worker is then killed
// and later calls throw too. Values are not judged here: a NaN where the
// exact value is finite is a contract violation for ref::audit to report.
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "vt/bridge/torch_exporter.hpp"
#include "vt/reference/audit.hpp"
#include "vt/spec/graph.hpp"

namespace vt::bridge {

class ChildProcess;

struct WorkerFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr int kWorkerProtocol = 1;

class TorchWorker {
 public:
  // Starts the worker (how.python, how.package_dir) and reads its hello
  // within how.timeout. `env` is added to the worker's environment.
  explicit TorchWorker(const TorchExporter& how, std::vector<std::pair<std::string, std::string>> env = {});
  ~TorchWorker();  // a shutdown request, then the process is reaped (killed if it lingers)
  TorchWorker(const TorchWorker&) = delete;
  TorchWorker& operator=(const TorchWorker&) = delete;

  const std::string& torch_version() const { return torch_version_; }

  // The graph run by torch on `args`: every node's value, and when output 0
  // is a float scalar, the gradient of every argument (grads) and node
  // (node_grads) that torch computed. The producer line names torch.
  ref::AuditData run_graph(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args);

  // One op: g must be a graph of one node (its inputs the arguments, its
  // output the graph's output); torch's value and its VJP of `cotangent`
  // for each float input, by input position.
  struct OpResult {
    std::vector<double> y;
    std::map<std::size_t, std::vector<double>> dx;
  };
  OpResult run_op(const spec::GraphData& g, const std::map<std::string, std::vector<double>>& args, const std::vector<double>& cotangent);

 private:
  struct Tensor {
    spec::DType dtype = spec::DType::f32;
    std::vector<std::int64_t> shape;
    std::vector<double> values;
  };
  struct Message {
    nlohmann::json header;
    std::map<std::string, Tensor> tensors;
  };
  static std::vector<std::pair<std::string, Tensor>> argument_tensors(const spec::GraphData& g,
                                                                      const std::map<std::string, std::vector<double>>& args);
  // A reply tensor must have the dtype and shape of the value it carries (want; null: no such value).
  void expect_type(const std::string& key, const Tensor& t, const spec::TensorType* want, const std::string& value);
  Message exchange(nlohmann::json header, const std::vector<std::pair<std::string, Tensor>>& tensors);
  Message read_message();
  std::string read_exact(std::size_t n, const char* what);
  [[noreturn]] void fail(const std::string& why);

  TorchExporter how_;
  std::unique_ptr<ChildProcess> child_;
  std::string buffer_;  // read ahead from the worker's stdout
  std::string torch_version_;
  long next_id_ = 1;
  bool broken_ = false;
};

}  // namespace vt::bridge
