// addreg.cpp — the INF AddReg and DelReg directives with every FLG_ADDREG_* type and flag
// (seed 003 §4.2.7; Microsoft's "INF AddReg directive", "INF DelReg directive"), and the
// Needs= chain of install sections. Runs inside the caller's registry transaction.
#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "netcfg/netcfg_internal.h"

namespace strata::netcfg::detail {
namespace {

// FLG_ADDREG_* are inf_values.h's. FLG_ADDREG_64BITKEY and FLG_ADDREG_32BITKEY are ignored: WOW64
// views do not exist here.
// FLG_DELREG_*: DelReg shares the bit layout; this one deletes one string of a MULTI_SZ.
constexpr uint32_t kDelRegBit = 0x00008000;
constexpr uint32_t kDelRegMultiSzDelString = kFlgTypeMultiSz | kDelRegBit | kFlgNoClobber;

std::string fmt_hex(uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "%08X", value);
    return text;
}

[[noreturn]] void fail(const InfLine& line, const std::string& message) {
    throw NetcfgError(where(line.where) + ": " + message);
}

struct RootName {
    std::string_view abbreviation;
    std::string_view long_name;
};
constexpr std::array<RootName, 4> kRoots{{
    {"HKLM", "HKEY_LOCAL_MACHINE"},
    {"HKCU", "HKEY_CURRENT_USER"},
    {"HKCR", "HKEY_CLASSES_ROOT"},
    {"HKU", "HKEY_USERS"},
}};

// The key a line's reg-root and subkey name: HKR is relative to `hkr`.
std::string key_path(const InfLine& line, std::string_view hkr) {
    std::string root = trim(line.field(0));
    std::string base;
    if (inf_iequals(root, "HKR")) {
        if (hkr.empty()) fail(line, "HKR used where the section has no relative root");
        base = std::string(hkr);
    } else {
        for (const RootName& r : kRoots)
            if (inf_iequals(root, r.abbreviation) || inf_iequals(root, r.long_name)) base = std::string(r.abbreviation);
        if (base.empty()) fail(line, "unknown registry root \"" + root + "\"");
    }
    std::string_view subkey = line.field(1);
    while (!subkey.empty() && subkey.front() == '\\') subkey.remove_prefix(1);
    while (!subkey.empty() && subkey.back() == '\\') subkey.remove_suffix(1);
    if (subkey.empty()) return base;
    return base + "\\" + std::string(subkey);
}

uint32_t parse_flags(const InfLine& line) {
    std::string text = trim(line.field(3));
    if (text.empty()) return 0;
    auto n = inf_number(text, /*allow_negative=*/false);
    if (!n || *n > 0xFFFFFFFFll) fail(line, "flags \"" + text + "\" are not a number");
    return static_cast<uint32_t>(*n);
}

// The value fields (index 4 on), as written after substitution.
std::vector<std::string> data_fields(const InfLine& line) {
    if (line.fields.size() <= 4) return {};
    return {line.fields.begin() + 4, line.fields.end()};
}

uint8_t parse_byte(const InfLine& line, const std::string& text) {
    std::optional<uint8_t> byte = hex_byte(text);
    if (!byte) fail(line, "\"" + trim(text) + "\" is not a hexadecimal byte");
    return *byte;
}

std::vector<uint8_t> parse_bytes(const InfLine& line) {
    std::vector<uint8_t> bytes;
    for (const std::string& field : data_fields(line)) {
        if (trim(field).empty()) continue;
        bytes.push_back(parse_byte(line, field));
    }
    return bytes;
}

// REG_DWORD data: one number (decimal or 0x), or the four little-endian bytes of the binary layout.
Value dword_value(const InfLine& line) {
    std::vector<std::string> data = data_fields(line);
    if (data.size() <= 1) {
        std::string text = data.empty() ? "0" : trim(data[0]);
        if (text.empty()) text = "0";
        auto n = inf_number(text);
        if (!n || *n > 0xFFFFFFFFll || *n < -0x80000000ll) fail(line, "\"" + text + "\" is not a DWORD");
        return Value::dword(static_cast<uint32_t>(*n));
    }
    std::vector<uint8_t> bytes = parse_bytes(line);
    if (bytes.size() != 4) fail(line, "a DWORD in binary layout needs 4 bytes, not " + std::to_string(bytes.size()));
    return Value::dword(static_cast<uint32_t>(bytes[0]) | static_cast<uint32_t>(bytes[1]) << 8 |
                        static_cast<uint32_t>(bytes[2]) << 16 | static_cast<uint32_t>(bytes[3]) << 24);
}

Value qword_value(const InfLine& line) {
    std::vector<std::string> data = data_fields(line);
    if (data.size() <= 1) {
        std::string text = data.empty() ? "0" : trim(data[0]);
        auto n = inf_number(text.empty() ? "0" : text, /*allow_negative=*/false);
        if (!n) fail(line, "\"" + text + "\" is not a QWORD");
        return Value::qword(static_cast<uint64_t>(*n));
    }
    std::vector<uint8_t> bytes = parse_bytes(line);
    if (bytes.size() != 8) fail(line, "a QWORD in binary layout needs 8 bytes, not " + std::to_string(bytes.size()));
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | bytes[static_cast<std::size_t>(i)];
    return Value::qword(v);
}

// The value a line describes, from the type bits of its flags.
Value make_value(const InfLine& line, uint32_t flags) {
    std::vector<std::string> data = data_fields(line);
    if ((flags & kFlgBinValueType) == 0) {
        switch (flags & kFlgTypeMask) {
        case kFlgTypeSz: return Value::sz(data.empty() ? std::string() : data[0]);
        case kFlgTypeExpandSz: return Value::expand_sz(data.empty() ? std::string() : data[0]);
        case kFlgTypeMultiSz: {
            std::vector<std::string> strings;
            for (const std::string& s : data)
                if (!s.empty()) strings.push_back(s);
            return Value::multi_sz(std::move(strings));
        }
        default: fail(line, "flags 0x" + fmt_hex(flags) + " name no registry type");
        }
    }
    // FLG_ADDREG_BINVALUETYPE: 0x00000001 BINARY, 0x00010001 DWORD, 0x00020001 NONE, or
    // (REG_type << 16) | 1 for the other types, whose data is given as bytes.
    switch (flags >> 16) {
    case 0:
    case 3: return Value::binary(parse_bytes(line));
    case 1:
    case 4: return dword_value(line);
    case 2: return Value::none(parse_bytes(line));
    case 11: return qword_value(line);
    default: fail(line, "registry type " + std::to_string(flags >> 16) + " (flags 0x" + fmt_hex(flags) + ") is not supported");
    }
}

}  // namespace

void add_reg_line(Registry& reg, const InfLine& line, std::string_view hkr) {
    std::string key = key_path(line, hkr);
    try {
        // "HKR,Subkey" alone creates the key.
        if (line.fields.size() <= 2) {
            reg.create_key(key);
            return;
        }
        uint32_t flags = parse_flags(line);
        if (uint32_t unknown = unknown_addreg_flags(flags); unknown != 0)
            fail(line, "unknown AddReg flags 0x" + fmt_hex(unknown));
        const std::string& name = line.field(2);
        if (flags & kFlgDelVal) {
            // FLG_ADDREG_DELVAL: delete the named value, or the subkey when no name is given.
            if (name.empty()) reg.delete_key(key);
            else reg.delete_value(key, name);
            return;
        }
        if (flags & (kFlgKeyOnly | kFlgKeyOnlyCommon)) {
            reg.create_key(key);
            return;
        }
        Value value = make_value(line, flags);
        std::optional<Value> existing = reg.get_value(key, name);
        if ((flags & kFlgNoClobber) && existing) return;
        if ((flags & kFlgOverwriteOnly) && !existing) return;
        if (flags & kFlgAppend) {
            if (value.type() != registry::ValueType::MultiSz) fail(line, "FLG_ADDREG_APPEND needs FLG_ADDREG_TYPE_MULTI_SZ");
            std::vector<std::string> merged;
            if (existing && existing->type() == registry::ValueType::MultiSz) merged = existing->as_multi_sz();
            else if (existing && existing->type() == registry::ValueType::Sz && !existing->as_string().empty())
                merged.push_back(existing->as_string());
            for (const std::string& s : value.as_multi_sz())
                if (!contains_ci(merged, s)) merged.push_back(s);
            value = Value::multi_sz(std::move(merged));
        }
        reg.set_value(key, name, value);
    } catch (const registry::Error& e) {
        fail(line, e.what());
    }
}

void del_reg_line(Registry& reg, const InfLine& line, std::string_view hkr) {
    std::string key = key_path(line, hkr);
    try {
        uint32_t flags = parse_flags(line);
        // An omitted value-entry-name deletes the whole subkey; a quoted "" names the default value.
        bool name_given = line.raw_fields.size() > 2 && !trim(line.raw_fields[2]).empty();
        if ((flags & kDelRegMultiSzDelString) == kDelRegMultiSzDelString) {
            const std::string& target = line.field(4);
            auto existing = reg.get_value(key, line.field(2));
            if (!existing || existing->type() != registry::ValueType::MultiSz) return;
            std::vector<std::string> kept;
            for (const std::string& s : existing->as_multi_sz())
                if (!inf_iequals(s, target)) kept.push_back(s);
            reg.set_value(key, line.field(2), Value::multi_sz(std::move(kept)));
            return;
        }
        if (!name_given || (flags & kFlgKeyOnlyCommon)) reg.delete_key(key);
        else reg.delete_value(key, line.field(2));
    } catch (const registry::Error& e) {
        fail(line, e.what());
    }
}

const InfSection& required_section(const InfFile& inf, std::string_view name, const SourceLocation& from) {
    const InfSection* section = inf.section(trim(name));
    if (section == nullptr) throw NetcfgError(where(from) + ": section [" + trim(name) + "] does not exist");
    return *section;
}

std::vector<const InfSection*> with_needs(const InfFile& inf, const InfSection& section) {
    std::vector<const InfSection*> out;
    std::set<std::string> seen;
    auto visit = [&](auto& self, const InfSection& s) -> void {
        if (!seen.insert(lower(s.name)).second) return;
        out.push_back(&s);
        for (const InfLine* needs : s.find_all("Needs"))
            for (const std::string& name : needs->fields)
                if (!trim(name).empty()) self(self, required_section(inf, name, needs->where));
    };
    visit(visit, section);
    return out;
}

void add_reg_section(const InstallContext& ctx, std::string_view name, const SourceLocation& from, std::string_view hkr) {
    for (const InfLine& line : required_section(ctx.inf, name, from).lines) add_reg_line(ctx.reg, line, hkr);
}

void del_reg_section(const InstallContext& ctx, std::string_view name, const SourceLocation& from, std::string_view hkr) {
    for (const InfLine& line : required_section(ctx.inf, name, from).lines) del_reg_line(ctx.reg, line, hkr);
}

void run_registry_directives(const InstallContext& ctx, const InfSection& section, std::string_view hkr) {
    // Windows runs every DelReg before every AddReg of an install section.
    std::vector<const InfSection*> sections = with_needs(ctx.inf, section);
    for (const InfSection* s : sections)
        for (const InfLine* line : s->find_all("DelReg"))
            for (const std::string& name : line->fields)
                if (!trim(name).empty()) del_reg_section(ctx, name, line->where, hkr);
    for (const InfSection* s : sections)
        for (const InfLine* line : s->find_all("AddReg"))
            for (const std::string& name : line->fields)
                if (!trim(name).empty()) add_reg_section(ctx, name, line->where, hkr);
}

}  // namespace strata::netcfg::detail
