#pragma once

// Placeholder: the proptests module's public headers will live in this folder.
namespace vt::prop {}
