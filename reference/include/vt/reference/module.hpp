#pragma once

// Placeholder: the reference module's public headers will live in this folder.
namespace vt::ref {}
