#pragma once

// Placeholder: the contracts module's public headers will live in this folder.
namespace vt::contracts {}
