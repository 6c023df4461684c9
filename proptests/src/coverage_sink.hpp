#pragma once
// run_property's side of coverage.hpp: makes `scratch` the case_coverage()
// of this thread for the sink's lifetime.
#include "vt/proptests/coverage.hpp"

namespace vt::proptests {

class CoverageSink {
 public:
  explicit CoverageSink(Coverage& scratch);
  ~CoverageSink();
  CoverageSink(const CoverageSink&) = delete;
  CoverageSink& operator=(const CoverageSink&) = delete;

 private:
  Coverage* saved_;
};

}  // namespace vt::proptests
