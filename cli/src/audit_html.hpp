#pragma once
// `veritape audit --html`: the audit report as one self-contained page (no
// scripts, no external files): the node table worst first, each node's error
// as a fraction of its contract on a log-scale bar (inline SVG), the
// gradients, and the graph's text with the failing nodes marked.
#include <string>
#include <vector>

#include "vt/reference/audit.hpp"
#include "vt/spec/graph.hpp"

namespace vt::cli {

std::string audit_html(const std::vector<ref::AuditReport>& reports, const spec::GraphData& g);

// Writes audit_html(...) to path atomically (the old file stays whole on failure).
void write_audit_html(const std::string& path, const std::vector<ref::AuditReport>& reports, const spec::GraphData& g);

}  // namespace vt::cli
