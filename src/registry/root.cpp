// root.cpp — the default state directory: $STRATA_ROOT, /var/lib/strata, or the XDG state dir (DESIGN.md "Registry").
#include "registry/root.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "registry/value.h"

namespace strata::registry {

namespace {

const char* non_empty_env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

// $HOME first, as the shell does; the password database covers daemons started without it.
std::filesystem::path home_directory() {
  if (const char* home = non_empty_env("HOME")) return home;
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found && found->pw_dir &&
      *found->pw_dir)
    return found->pw_dir;
  throw Error("cannot find a home directory for the Strata state; set STRATA_ROOT or use --root");
}

}  // namespace

std::filesystem::path default_root() {
  if (const char* root = non_empty_env("STRATA_ROOT")) return root;
  if (geteuid() == 0) return "/var/lib/strata";
  if (const char* state = non_empty_env("XDG_STATE_HOME"); state && std::filesystem::path(state).is_absolute())
    return std::filesystem::path(state) / "strata";
  return home_directory() / ".local" / "state" / "strata";
}

}  // namespace strata::registry
