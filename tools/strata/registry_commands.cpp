// registry_commands.cpp — `strata reg export|add|query`: the registry as regedit's .reg text, and
// reg.exe's add and query for setting a driver's parameters by hand (DESIGN.md "Registry";
// issue 5 item 4: echosrv's Port). `add` and `query` take reg.exe's switches: /v NAME, /ve,
// /t TYPE, /d DATA, /s SEPARATOR (add) or /s (query: recursive), /f.
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>

#include "cli.h"
#include "registry/registry.h"

namespace strata::cli {
namespace {

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return text;
}

// "HKEY_LOCAL_MACHINE\…" as reg.exe prints keys; the registry stores the abbreviation.
std::string long_name(const std::string& path) {
    std::size_t slash = path.find('\\');
    std::string hive = path.substr(0, slash);
    for (const registry::Hive& h : registry::kHives)
        if (hive == h.abbreviation) return std::string(h.name) + (slash == std::string::npos ? "" : path.substr(slash));
    return path;
}

// A key must start with one of the hives, as reg.exe requires.
void check_key(const std::string& command, const std::string& key) {
    std::string hive = lower(key.substr(0, key.find('\\')));
    for (const registry::Hive& h : registry::kHives)
        if (hive == lower(std::string(h.abbreviation)) || hive == lower(std::string(h.name))) return;
    throw UsageError("reg " + command + ": \"" + key + "\" does not start with a root key (HKLM, HKCU, HKCR, HKU, HKCC)");
}

// What reg add and reg query were given: the key, then reg.exe's switches in any order.
struct RegArguments {
    std::string key;
    std::optional<std::string> value;  // /v NAME, or "" for /ve
    std::string type = "REG_SZ";
    std::optional<std::string> data;
    std::string separator = "\\0";
    bool separator_given = false;
    bool recursive = false;
};

RegArguments parse(const std::string& command, const std::vector<std::string>& args) {
    RegArguments parsed;
    auto needs_value = [&](std::size_t& i, const std::string& flag) -> std::string {
        if (i + 1 >= args.size()) throw UsageError("reg " + command + ": " + flag + " needs a value");
        return args[++i];
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.size() < 2 || arg[0] != '/') {
            if (!parsed.key.empty()) throw UsageError("reg " + command + ": unexpected argument \"" + arg + "\"");
            parsed.key = arg;
            continue;
        }
        std::string flag = lower(arg.substr(1));
        if (flag == "v") parsed.value = needs_value(i, arg);
        else if (flag == "ve") parsed.value = "";
        else if (flag == "t" && command == "add") parsed.type = needs_value(i, arg);
        else if (flag == "d" && command == "add") parsed.data = needs_value(i, arg);
        else if (flag == "s" && command == "add") {
            parsed.separator = needs_value(i, arg);
            parsed.separator_given = true;
        } else if (flag == "s" && command == "query") parsed.recursive = true;
        else if (flag == "f" && command == "add") continue;  // never asks, so never needs forcing
        else throw UsageError("reg " + command + ": unknown switch \"" + arg + "\"");
    }
    if (parsed.key.empty()) throw UsageError("reg " + command + ": no key given");
    check_key(command, parsed.key);
    return parsed;
}

std::string where(const RegArguments& a) {
    return "registry key \"" + a.key + "\"" + (a.value ? " value \"" + *a.value + "\"" : std::string());
}

// reg.exe accepts decimal and 0x-prefixed hexadecimal numbers.
std::uint64_t parse_number(const RegArguments& a, const std::string& text, std::uint64_t max) {
    int base = text.size() > 2 && (text[1] == 'x' || text[1] == 'X') && text[0] == '0' ? 16 : 10;
    std::string digits = base == 16 ? text.substr(2) : text;
    bool ok = !digits.empty() && digits.size() <= 20;
    for (char c : digits) ok = ok && (base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c)));
    errno = 0;
    std::uint64_t number = ok ? std::strtoull(digits.c_str(), nullptr, base) : 0;
    if (!ok || errno == ERANGE || number > max)
        throw UsageError(where(a) + ": " + a.type + " data \"" + text + "\" is not a number from 0 to " +
                         (max == UINT32_MAX ? "0xFFFFFFFF" : "0xFFFFFFFFFFFFFFFF"));
    return number;
}

registry::Value value_of(const RegArguments& a) {
    std::string type = a.type;
    for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string data = a.data.value_or("");
    if (type == "REG_SZ") return registry::Value::sz(data);
    if (type == "REG_EXPAND_SZ") return registry::Value::expand_sz(data);
    if (type == "REG_DWORD") return registry::Value::dword(static_cast<std::uint32_t>(parse_number(a, data.empty() ? "0" : data, UINT32_MAX)));
    if (type == "REG_QWORD") return registry::Value::qword(parse_number(a, data.empty() ? "0" : data, UINT64_MAX));
    if (type == "REG_MULTI_SZ") {
        if (a.separator.empty()) throw UsageError(where(a) + ": /s needs a separator");
        std::vector<std::string> strings;
        for (std::size_t start = 0; !data.empty();) {
            std::size_t end = data.find(a.separator, start);
            strings.push_back(data.substr(start, end == std::string::npos ? std::string::npos : end - start));
            if (end == std::string::npos) break;
            start = end + a.separator.size();
        }
        // reg.exe lets a trailing separator end the list rather than add an empty string.
        if (!strings.empty() && strings.back().empty()) strings.pop_back();
        return registry::Value::multi_sz(std::move(strings));
    }
    if (type == "REG_BINARY" || type == "REG_NONE") {
        if (data.size() % 2 != 0) throw UsageError(where(a) + ": " + type + " data must be pairs of hex digits");
        std::vector<std::uint8_t> bytes;
        for (std::size_t i = 0; i < data.size(); i += 2) {
            if (!std::isxdigit(static_cast<unsigned char>(data[i])) || !std::isxdigit(static_cast<unsigned char>(data[i + 1])))
                throw UsageError(where(a) + ": " + type + " data \"" + data + "\" is not hex digits");
            bytes.push_back(static_cast<std::uint8_t>(std::stoul(data.substr(i, 2), nullptr, 16)));
        }
        return type == "REG_BINARY" ? registry::Value::binary(std::move(bytes)) : registry::Value::none(std::move(bytes));
    }
    throw UsageError(where(a) + ": unknown type \"" + a.type +
                     "\" (REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY, REG_NONE)");
}

// The data column of reg query.
std::string show(const registry::Value& value) {
    using registry::ValueType;
    char number[32];
    switch (value.type()) {
        case ValueType::Sz:
        case ValueType::ExpandSz: return value.as_string();
        case ValueType::MultiSz: {
            std::string text;
            for (const std::string& s : value.as_multi_sz()) text += (text.empty() ? "" : "\\0") + s;
            return text;
        }
        case ValueType::Dword: std::snprintf(number, sizeof number, "0x%" PRIx32, value.as_dword()); return number;
        case ValueType::Qword: std::snprintf(number, sizeof number, "0x%" PRIx64, value.as_qword()); return number;
        case ValueType::Binary:
        case ValueType::None: {
            std::string text;
            for (std::uint8_t b : value.as_bytes()) {
                std::snprintf(number, sizeof number, "%02X", b);
                text += number;
            }
            return text;
        }
    }
    return {};
}

nlohmann::json json_of(const registry::Value& value) {
    using registry::ValueType;
    switch (value.type()) {
        case ValueType::Sz:
        case ValueType::ExpandSz: return value.as_string();
        case ValueType::MultiSz: return value.as_multi_sz();
        case ValueType::Dword: return value.as_dword();
        case ValueType::Qword: return value.as_qword();
        default: return show(value);
    }
}

// One key of reg query, as reg.exe prints it (into `text`) and as JSON (into `out`): its values
// (all, or the one asked for), then its subkeys, each recursed into with /s. Returns how many
// values matched.
std::size_t query(registry::Registry& reg, const std::string& path, const RegArguments& a, std::string& text,
                  nlohmann::json& out) {
    std::size_t matched = 0;
    nlohmann::json values = nlohmann::json::array();
    std::string lines;
    for (const auto& [name, value] : reg.values(path)) {
        if (a.value && lower(name) != lower(*a.value)) continue;
        ++matched;
        std::string shown = name.empty() ? "(Default)" : name;
        lines += "    " + shown + "    " + std::string(registry::type_name(value.type())) + "    " + show(value) + "\n";
        values.push_back({{"name", name}, {"type", registry::type_name(value.type())}, {"data", json_of(value)}});
    }
    std::vector<std::string> subkeys = reg.subkeys(path);
    if (!a.value || matched != 0) {
        out.push_back({{"key", long_name(path)}, {"values", values}, {"subkeys", subkeys}});
        text += long_name(path) + "\n" + lines + "\n";
        if (!a.recursive && !a.value && !subkeys.empty()) {
            for (const std::string& sub : subkeys) text += long_name(path) + "\\" + sub + "\n";
            text += "\n";
        }
    }
    if (a.recursive)
        for (const std::string& sub : subkeys) matched += query(reg, path + "\\" + sub, a, text, out);
    return matched;
}

// The switches after `add`/`query` are reg.exe's, not CLI11's: they arrive as positional words
// (they start with '/') and are parsed as they come.
CLI::App* reg_subcommand(CLI::App& reg, const char* name, const char* help, std::vector<std::string>& words) {
    auto* sub = reg.add_subcommand(name, help);
    sub->add_option("words", words, "KEY and reg.exe's switches")->required()->type_name("ARGS");
    return sub;
}

}  // namespace

void add_registry_commands(CLI::App& app, Context& context) {
    auto* reg = app.add_subcommand("reg", "the registry");
    reg->require_subcommand(1);
    auto* export_cmd = reg->add_subcommand("export", "print a key and its subtree as .reg text");
    auto key = std::make_shared<std::string>("HKLM\\SYSTEM\\CurrentControlSet");
    export_cmd->add_option("key", *key, "default HKLM\\SYSTEM\\CurrentControlSet")->type_name("KEY");
    export_cmd->callback([&context, key] {
        registry::Registry registry(context.root());
        std::fputs(registry.export_reg(*key).c_str(), stdout);
    });

    auto add_words = std::make_shared<std::vector<std::string>>();
    auto* add = reg_subcommand(*reg, "add",
                               "KEY [/v NAME | /ve] [/t TYPE] [/d DATA] [/s SEP] [/f]: set a value (creates the key)",
                               *add_words);
    add->callback([&context, add_words] {
        RegArguments a = parse("add", *add_words);
        registry::Registry registry(context.root());
        if (a.value) registry.set_value(a.key, *a.value, value_of(a));
        else if (a.data || a.separator_given) throw UsageError("reg add: /d and /s need /v NAME or /ve");
        else registry.create_key(a.key);
        if (!context.json) std::puts("The operation completed successfully.");
    });

    auto query_words = std::make_shared<std::vector<std::string>>();
    auto* query_cmd = reg_subcommand(*reg, "query", "KEY [/v NAME | /ve] [/s]: a key's values and subkeys", *query_words);
    query_cmd->callback([&context, query_words] {
        RegArguments a = parse("query", *query_words);
        registry::Registry registry(context.root());
        std::optional<std::string> stored = registry.stored_path(a.key);
        if (!stored) throw UsageError(where(a) + ": no such key");
        nlohmann::json keys = nlohmann::json::array();
        std::string text;
        std::size_t matched = query(registry, *stored, a, text, keys);
        if (a.value && matched == 0) throw UsageError(where(a) + ": no such value");
        if (context.json) print_json(keys);
        else std::fputs(text.c_str(), stdout);
    });
}

}  // namespace strata::cli
