// root.h — where Strata keeps its state (registry.db, drivers/) when no --root is given (DESIGN.md "Registry").
#pragma once

#include <filesystem>

namespace strata::registry {

// $STRATA_ROOT if set; else /var/lib/strata when running as root (effective uid 0); else
// $XDG_STATE_HOME/strata, or ~/.local/state/strata when XDG_STATE_HOME is unset or relative
// (the XDG spec says to ignore relative values). Reads the environment, so call it before
// starting threads that might setenv(). Throws Error if no home directory can be found.
std::filesystem::path default_root();

}  // namespace strata::registry
