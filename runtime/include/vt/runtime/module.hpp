#pragma once

// Placeholder: the runtime module's public headers will live in this folder.
namespace vt::rt {}
