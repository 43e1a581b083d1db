// elf_imports.cpp — reads .dynsym of an ELF64 image (elf_imports.h). Every offset is checked
// against the file size before use: an image is untrusted input.
#include "host/elf_imports.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace strata::host {
namespace {

template <typename T>
bool read_at(const std::vector<char>& file, std::size_t offset, T* out) {
    if (offset > file.size() || file.size() - offset < sizeof(T)) return false;
    std::memcpy(out, file.data() + offset, sizeof(T));
    return true;
}

}  // namespace

std::optional<std::vector<std::string>> elf_imports(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<char> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Elf64_Ehdr header;
    if (!read_at(file, 0, &header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
        header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_shentsize != sizeof(Elf64_Shdr))
        return std::nullopt;
    std::vector<std::string> imports;
    for (unsigned i = 0; i < header.e_shnum; ++i) {
        Elf64_Shdr section;
        if (!read_at(file, header.e_shoff + i * sizeof(Elf64_Shdr), &section)) return std::nullopt;
        if (section.sh_type != SHT_DYNSYM || section.sh_entsize != sizeof(Elf64_Sym)) continue;
        Elf64_Shdr strings;
        if (!read_at(file, header.e_shoff + section.sh_link * sizeof(Elf64_Shdr), &strings)) return std::nullopt;
        for (std::size_t offset = 0; offset + sizeof(Elf64_Sym) <= section.sh_size; offset += sizeof(Elf64_Sym)) {
            Elf64_Sym symbol;
            if (!read_at(file, section.sh_offset + offset, &symbol)) return std::nullopt;
            if (symbol.st_shndx != SHN_UNDEF || symbol.st_name == 0 || symbol.st_name >= strings.sh_size) continue;
            std::size_t start = strings.sh_offset + symbol.st_name;
            if (start >= file.size()) return std::nullopt;
            imports.emplace_back(file.data() + start, strnlen(file.data() + start, file.size() - start));
        }
    }
    return imports;
}

}  // namespace strata::host
