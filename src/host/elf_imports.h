// elf_imports.h — the undefined dynamic symbols of a driver image (what it imports), read from
// its ELF file before it is mapped, so the loader can refuse images that import stubs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace strata::host {

// nullopt when the file is not a readable 64-bit ELF shared object.
std::optional<std::vector<std::string>> elf_imports(const std::filesystem::path& file);

}  // namespace strata::host
