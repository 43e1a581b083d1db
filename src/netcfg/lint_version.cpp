// lint_version.cpp — NET20xx: the Version section and file name of a network INF (seed 003
// §4.2.1, §4.2.2; Microsoft's "INF Version Section").
#include <cstdio>
#include <filesystem>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

namespace {

// mm/dd/yyyy[,w.x.y.z] — Microsoft's "INF DriverVer Directive".
bool valid_driver_ver(const InfLine& line) {
    const std::string& date = line.field(0);
    int month = 0, day = 0, year = 0;
    char s1 = 0, s2 = 0, rest = 0;
    if (std::sscanf(date.c_str(), "%d%c%d%c%d%c", &month, &s1, &day, &s2, &year, &rest) != 5) return false;
    if (s1 != '/' || s2 != '/' || month < 1 || month > 12 || day < 1 || day > 31 || year < 1980) return false;
    const std::string& version = line.field(1);
    if (version.empty()) return line.fields.size() <= 2;
    int dots = 0;
    char previous = '.';
    for (char c : version) {
        if (c == '.') {
            if (previous == '.') return false;
            ++dots;
        } else if (c < '0' || c > '9') {
            return false;
        }
        previous = c;
    }
    return previous != '.' && dots <= 3 && line.fields.size() <= 2;
}

}  // namespace

void check_version(Context& ctx) {
    const InfFile& inf = ctx.inf;
    const SourceLocation file_where{inf.file_name(), 0};

    auto stem = lower(std::filesystem::path(inf.file_name()).filename().string());
    const InfSection* version = inf.section("Version");
    if (!version) {
        ctx.error(file_where, "NET2001", "no [Version] section");
        return;
    }

    const InfLine* signature = version->find("Signature");
    if (!signature || signature->field(0).empty()) {
        ctx.error(version->where, "NET2002", "[Version] has no Signature");
    } else {
        auto sig = lower(signature->field(0));
        if (sig == "$windows 95$") {
            ctx.error(signature->where, "NET2003",
                      "Signature $Windows 95$ is for Windows 95/98 only; use \"$Windows NT$\" or \"$Chicago$\"");
        } else if (sig == "$chicago$") {
            const InfLine* compatible = version->find("Compatible");
            if (!compatible || inf_number(compatible->field(0)) != 1)
                ctx.error(signature->where, "NET2004",
                          "Signature $Chicago$ needs Compatible=1 in [Version] to install on Windows NT");
        } else if (sig != "$windows nt$") {
            ctx.error(signature->where, "NET2002",
                      "Signature '" + signature->field(0) + "' is not \"$Windows NT$\" or \"$Chicago$\"");
        }
    }

    const InfLine* class_line = version->find("Class");
    const InfLine* guid_line = version->find("ClassGuid");
    NetClass by_name = class_line ? class_from_name(class_line->field(0)) : NetClass::Unknown;
    NetClass by_guid = guid_line ? class_from_guid(guid_line->field(0)) : NetClass::Unknown;
    if (!class_line) {
        ctx.warning(version->where, "NET2011", "[Version] has no Class entry naming the network class");
    } else if (by_name == NetClass::Unknown) {
        ctx.error(class_line->where, "NET2005",
                  "Class '" + class_line->field(0) + "' is not Net, NetTrans, NetClient, NetService or Infrared");
    }
    if (!guid_line) {
        ctx.error(version->where, "NET2006", "[Version] has no ClassGuid entry");
    } else if (by_guid == NetClass::Unknown) {
        ctx.error(guid_line->where, "NET2006",
                  "ClassGuid " + guid_line->field(0) + " is not a network setup class GUID");
    } else if (by_name != NetClass::Unknown && by_name != by_guid) {
        // Microsoft's passthru and ndisprot samples ship such pairs and install as the class
        // Class names, which is what the installer does and what the rules below check.
        ctx.warning(guid_line->where, "NET2007",
                    "ClassGuid " + guid_line->field(0) + " is the " + std::string(class_name(by_guid)) +
                        " class but Class is " + class_line->field(0) + "; it installs as " + class_line->field(0));
    }
    ctx.cls = by_name != NetClass::Unknown ? by_name : by_guid;

    const InfLine* provider = version->find("Provider");
    if (!provider || provider->field(0).empty() || provider->field(0).front() == '%')
        ctx.warning(provider ? provider->where : version->where, "NET2008",
                    "[Version] has no Provider naming who wrote the INF");

    const InfLine* driver_ver = version->find("DriverVer");
    if (!driver_ver)
        ctx.warning(version->where, "NET2010", "[Version] has no DriverVer=mm/dd/yyyy,w.x.y.z");
    else if (!valid_driver_ver(*driver_ver))
        ctx.warning(driver_ver->where, "NET2010",
                    "'" + driver_ver->raw + "' is not DriverVer=mm/dd/yyyy[,w.x.y.z]");

    bool infrared = ctx.cls == NetClass::Infrared;
    std::string_view prefix = infrared ? "ir" : "net";
    if (ctx.cls != NetClass::Unknown && stem.rfind(prefix, 0) != 0)
        ctx.warning(file_where, "NET2009",
                    "network INF file names start with '" + std::string(prefix) +
                        "' so the network class installer recognises them");
}

}  // namespace strata::netcfg::lint_detail
