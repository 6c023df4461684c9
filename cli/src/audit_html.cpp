#include "audit_html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "vt/runtime/io/atomic_file.hpp"
#include "vt/train/svg_plot.hpp"
#include "vt/spec/text_format.hpp"

namespace vt::cli {
namespace {

using ref::NodeVerdict;


std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Worst first: violated, inconclusive, met, not audited; then by bound use.
int severity(NodeVerdict v) {
  switch (v) {
    case NodeVerdict::Violated: return 0;
    case NodeVerdict::Inconclusive: return 1;
    case NodeVerdict::Met: return 2;
    case NodeVerdict::NotAudited: return 3;
  }
  return 4;
}

const char* css_class(NodeVerdict v) {
  switch (v) {
    case NodeVerdict::Violated: return "bad";
    case NodeVerdict::Inconclusive: return "unsure";
    case NodeVerdict::Met: return "ok";
    case NodeVerdict::NotAudited: return "skip";
  }
  return "";
}

// The bar's log scale: 1e-6 of the contract at the left edge, 100x at the right.
constexpr double kLogLo = -6, kLogHi = 2, kBarWidth = 320;

double bar_x(double use) {
  if (!(use > 0)) return 0;
  const double l = std::isfinite(use) ? std::log10(use) : kLogHi;
  return kBarWidth * (std::clamp(l, kLogLo, kLogHi) - kLogLo) / (kLogHi - kLogLo);
}

std::string error_bar(const ref::NodeAudit& n) {
  std::ostringstream s;
  const double one = bar_x(1);
  s << "<svg width=\"" << kBarWidth << "\" height=\"14\" role=\"img\" aria-label=\"error / contract = " << num(n.bound_use) << "\">"
    << "<rect width=\"" << kBarWidth << "\" height=\"14\" class=\"track\"/>";
  if (n.verdict != NodeVerdict::NotAudited)
    s << "<rect width=\"" << bar_x(n.bound_use) << "\" height=\"14\" class=\"fill " << css_class(n.verdict) << "\"/>";
  s << "<line x1=\"" << one << "\" x2=\"" << one << "\" y1=\"0\" y2=\"14\" class=\"limit\"/></svg>";
  return s.str();
}

// The value names of rows that failed: "%h (backward)" marks %h's line.
std::set<std::string> failing_values(const ref::AuditReport& r) {
  std::set<std::string> out;
  for (const auto& n : r.nodes) {
    if (n.verdict != NodeVerdict::Violated && n.verdict != NodeVerdict::Inconclusive) continue;
    out.insert(n.node.substr(0, n.node.find(' ')));
  }
  return out;
}

std::string graph_text(const spec::GraphData& g, const std::set<std::string>& failing) {
  std::istringstream in(spec::print_vtg(g));
  std::string line, out;
  while (std::getline(in, line)) {
    const auto start = line.find_first_not_of(' ');
    const auto eq = line.find(" = ");
    const std::string name = start != std::string::npos && eq != std::string::npos ? line.substr(start, eq - start) : "";
    const bool bad = !name.empty() && failing.count(name);
    out += bad ? "<mark class=\"bad\">" + train::xml_escape(line) + "</mark>\n" : train::xml_escape(line) + "\n";
  }
  return out;
}

std::string report_section(const ref::AuditReport& r, const spec::GraphData& g) {
  std::vector<const ref::NodeAudit*> rows;
  for (const auto& n : r.nodes) rows.push_back(&n);
  std::stable_sort(rows.begin(), rows.end(), [](const ref::NodeAudit* a, const ref::NodeAudit* b) {
    if (severity(a->verdict) != severity(b->verdict)) return severity(a->verdict) < severity(b->verdict);
    return a->bound_use > b->bound_use;
  });
  int met = 0, audited = 0;
  for (const auto& n : r.nodes) met += n.verdict == NodeVerdict::Met, audited += n.verdict != NodeVerdict::NotAudited;
  std::ostringstream s;
  s << "<section><h2>" << train::xml_escape(r.graph) << " (" << spec::to_string(r.dtype) << ")</h2>\n"
    << "<p>Values from " << train::xml_escape(r.producer) << "; exact reference: rationals / " << r.interval_bits << "-bit intervals.</p>\n"
    << "<p class=\"verdict " << (r.all_met() ? "ok" : "bad") << "\">" << (r.all_met() ? "All audited nodes meet their contracts" : "Contract violated or undecided")
    << ": " << met << " of " << audited << " audited nodes met";
  if (!r.first_violation.empty()) s << "; first violation " << train::xml_escape(r.first_violation);
  s << ".</p>\n<table><thead><tr><th>node</th><th>op</th><th>contract</th><th>max abs</th><th>max ulp</th>"
    << "<th>error / contract (log, 10<sup>-6</sup> to 10<sup>2</sup>; line = contract)</th><th>verdict</th><th>origin and detail</th></tr></thead><tbody>\n";
  for (const ref::NodeAudit* n : rows) {
    s << "<tr class=\"" << css_class(n->verdict) << "\"><td><code>" << train::xml_escape(n->node) << "</code></td><td>" << train::xml_escape(n->op) << "</td><td>"
      << train::xml_escape(n->contract) << "</td><td>" << num(n->local.max_abs) << "</td><td>" << num(n->local.max_ulp) << "</td><td>" << error_bar(*n)
      << " " << (n->verdict == NodeVerdict::NotAudited ? "" : num(n->bound_use)) << "</td><td>" << ref::to_string(n->verdict) << "</td><td>"
      << train::xml_escape(n->origin) << (n->origin.empty() || n->detail.empty() ? "" : "<br>") << train::xml_escape(n->detail) << "</td></tr>\n";
  }
  s << "</tbody></table>\n";
  if (!r.gradients.empty()) {
    s << "<h3>Gradients of the output (vs " << train::xml_escape(r.gradient_reference) << "; normwise tolerance " << num(r.gradient_tolerance)
      << ")</h3>\n<table><thead><tr><th>argument</th><th>max abs</th><th>max rel</th><th>normwise</th><th>verdict</th></tr></thead><tbody>\n";
    for (const auto& gr : r.gradients)
      s << "<tr class=\"" << css_class(gr.verdict) << "\"><td><code>" << train::xml_escape(gr.arg) << "</code></td><td>" << num(gr.error.max_abs)
        << "</td><td>" << num(gr.error.max_rel) << "</td><td>" << num(gr.normwise) << "</td><td>" << ref::to_string(gr.verdict) << "</td></tr>\n";
    s << "</tbody></table>\n";
  }
  s << "<h3>Graph</h3>\n<pre class=\"graph\">" << graph_text(g, failing_values(r)) << "</pre></section>\n";
  return s.str();
}

constexpr const char* kStyle = R"(body{font:14px system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td:nth-child(4),td:nth-child(5){text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{background:#fde8e8}tr.unsure td{background:#fff4dc}tr.skip td{color:#888}
.track{fill:#eee}.fill.ok{fill:#3a9d5d}.fill.bad{fill:#d33}.fill.unsure{fill:#e8a317}.limit{stroke:#000;stroke-width:2}
.verdict{font-weight:bold;padding:6px 10px;display:inline-block}.verdict.ok{background:#e3f5e9}.verdict.bad{background:#fde8e8}
pre.graph{background:#fafafa;border:1px solid #ddd;padding:8px;overflow-x:auto}mark.bad{background:#f8b4b4})";

}  // namespace

std::string audit_html(const std::vector<ref::AuditReport>& reports, const spec::GraphData& g) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>veritape audit: " + train::xml_escape(g.name) +
                    "</title>\n<style>" + kStyle + "</style></head><body>\n<h1>veritape audit of " + train::xml_escape(g.name) + "</h1>\n";
  for (const auto& r : reports) out += report_section(r, g);
  return out + "</body></html>\n";
}

void write_audit_html(const std::string& path, const std::vector<ref::AuditReport>& reports, const spec::GraphData& g) {
  rt::write_file_atomic(path, audit_html(reports, g));
}

}  // namespace vt::cli
