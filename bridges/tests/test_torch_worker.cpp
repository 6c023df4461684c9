// The PyTorch worker over its protocol: a graph and an op run by torch come
// back whole and audit clean; every fault the worker can commit (crash,
// hang, a short or garbage reply, a wrong shape, another protocol version)
// is injected (VERITAPE_WORKER_FAULT) and must be a WorkerFault naming it,
// within the timeout, never a hang or a crash; a NaN where the exact value
// is finite is a contract violation in the audit.
#define BOOST_TEST_MODULE bridge_torch_worker
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "vt/bridge/torch_worker.hpp"
#include "vt/spec/text_format.hpp"

using namespace vt;
using namespace std::chrono_literals;

namespace {

const char* kGraph = R"(graph small {
  input %x : f32[2, 3]
  param %w : f32[4, 3]
  %h = linear(%x, %w) : f32[2, 4]
  %t = tanh(%h) : f32[2, 4]
  %l = sum(%t) : f32[]
  output %l
})";

std::map<std::string, std::vector<double>> args() {
  return {{"x", {0.5, -0.25, 1.0, 0.125, -1.5, 0.75}}, {"w", {0.5, 0.25, -0.5, 1, 0, 0.5, -0.75, 0.5, 0.25, 0.125, -1, 0.5}}};
}

bridge::TorchExporter how(std::chrono::milliseconds timeout = 60s) {
  auto h = bridge::default_torch_exporter();
  h.timeout = timeout;
  return h;
}

// The fault's WorkerFault message, or "" when none was thrown.
std::string fault_of(const char* fault, std::chrono::milliseconds timeout = 60s) {
  try {
    bridge::TorchWorker w(how(timeout), {{"VERITAPE_WORKER_FAULT", fault}});
    w.run_graph(spec::parse_vtg(kGraph), args());
  } catch (const bridge::WorkerFault& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_graph_run_by_torch_comes_back_whole_and_audits_clean) {
  bridge::TorchWorker w(how());
  BOOST_TEST(!w.torch_version().empty());
  const spec::GraphData g = spec::parse_vtg(kGraph);
  const ref::AuditData d = w.run_graph(g, args());
  BOOST_TEST(d.values.size() == 3u);
  BOOST_TEST(d.grads.count("w") == 1u);
  BOOST_TEST(d.node_grads.count("h") == 1u);
  const ref::AuditReport r = ref::audit(g, d);
  BOOST_TEST(r.all_met(), ref::format_table(r));
  int backward_rows = 0;
  for (const auto& n : r.nodes) backward_rows += has(n.node, "(backward)");
  BOOST_TEST(backward_rows == 3);
  // The same worker serves a second request.
  BOOST_TEST(w.run_graph(g, args()).values.at("l").size() == 1u);
}

BOOST_AUTO_TEST_CASE(one_op_forward_and_vjp) {
  bridge::TorchWorker w(how());
  const spec::GraphData g = spec::parse_vtg(R"(graph op {
  input %a : f64[3]
  %y = tanh(%a) : f64[3]
  output %y
})");
  const auto r = w.run_op(g, {{"a", {0.5, -1, 2}}}, {1, 2, -1});
  BOOST_TEST(r.y[1] == std::tanh(-1.0), boost::test_tools::tolerance(1e-15));
  BOOST_TEST(r.dx.at(0)[1] == 2 * (1 - std::tanh(-1.0) * std::tanh(-1.0)), boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(an_op_torch_lacks_is_an_error_reply_and_the_worker_goes_on) {
  bridge::TorchWorker w(how());
  const spec::GraphData g = spec::parse_vtg(R"(graph op {
  input %x : f32[1, 1, 4, 4]
  %y = avg_pool2d(%x) {kernel_size = [2, 2], dilation = [2, 2]} : f32[1, 1, 2, 2]
  %l = sum(%y) : f32[]
  output %l
})");
  std::map<std::string, std::vector<double>> x{{"x", std::vector<double>(16, 0.5)}};
  BOOST_CHECK_EXCEPTION(w.run_graph(g, x), std::runtime_error,
                        [](const std::runtime_error& e) { return has(e.what(), "avg_pool2d with dilation"); });
  BOOST_TEST(w.run_graph(spec::parse_vtg(kGraph), args()).values.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_crashed_worker_is_a_fault) {
  const std::string m = fault_of("crash");
  BOOST_TEST(has(m, "exited without replying"), m);
  BOOST_TEST(has(m, "exit 3"), m);
}

BOOST_AUTO_TEST_CASE(a_hung_worker_is_killed_at_the_timeout) {
  const auto start = std::chrono::steady_clock::now();
  const std::string m = fault_of("hang", 3s);
  BOOST_TEST(has(m, "no reply within 3 s"), m);
  BOOST_TEST(has(m, "signal 9"), m);
  BOOST_TEST(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 30.0);
}

BOOST_AUTO_TEST_CASE(a_short_reply_is_a_fault) {
  const std::string m = fault_of("short");
  BOOST_TEST((has(m, "in the middle of the reply payload") || has(m, "in the middle of a reply header")), m);
}

BOOST_AUTO_TEST_CASE(a_garbage_reply_is_a_fault) {
  const std::string m = fault_of("garbage");
  BOOST_TEST(has(m, "not JSON: \"this is not json\""), m);
}

BOOST_AUTO_TEST_CASE(a_wrong_shape_is_a_fault) {
  const std::string m = fault_of("wrong_shape");
  BOOST_TEST(has(m, "reply value.h is f32[7], but %h is f32[2, 4]"), m);
}

BOOST_AUTO_TEST_CASE(another_protocol_version_is_refused) {
  try {
    bridge::TorchWorker w(how(), {{"VERITAPE_WORKER_FAULT", "version"}});
    BOOST_FAIL("no fault");
  } catch (const bridge::WorkerFault& e) {
    BOOST_TEST(has(e.what(), "speaks protocol 2, veritape speaks 1"), e.what());
  }
}

BOOST_AUTO_TEST_CASE(nan_where_the_exact_value_is_finite_violates_the_contract) {
  bridge::TorchWorker w(how(), {{"VERITAPE_WORKER_FAULT", "nan"}});
  const spec::GraphData g = spec::parse_vtg(kGraph);
  const ref::AuditData d = w.run_graph(g, args());  // well formed: the values are for the audit to judge
  const ref::AuditReport r = ref::audit(g, d);
  BOOST_TEST(!r.all_met());
  bool named = false;
  for (const auto& n : r.nodes) named = named || (n.verdict == ref::NodeVerdict::Violated && has(n.detail, "non-finite"));
  BOOST_TEST(named, ref::format_table(r));
}

BOOST_AUTO_TEST_CASE(a_missing_python_is_a_clear_error) {
  auto h = how();
  h.python = "/nonexistent/python3";
  BOOST_CHECK_EXCEPTION(bridge::TorchWorker w(h), std::runtime_error,
                        [](const std::runtime_error& e) { return has(e.what(), "cannot run /nonexistent/python3"); });
}
