#pragma once

// Placeholder: the cuda module's public headers will live in this folder.
namespace vt::cuda {}
