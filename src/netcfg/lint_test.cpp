// lint_test.cpp — `strata lint` (seed 003 §4.2): the corpus under tests/inf/lint with its
// .expected files, Strata's own driver INFs, and one focused test per chapter-4 rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "netcfg/lint.h"
#include "netcfg/lint_rules.h"
#include "netcfg/syntax_codes.h"

namespace strata::netcfg {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = STRATA_SOURCE_DIR;
const fs::path kCorpus = kSource / "tests/inf/lint";

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// An expectation file: "exit N", then one "file:line: CODE" per finding, '#' comments.
struct Expected {
    int exit = -1;
    std::vector<std::string> findings;
};

Expected read_expected(const fs::path& path) {
    Expected e;
    std::istringstream in(slurp(path));
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        if (line.rfind("exit ", 0) == 0) {
            e.exit = std::stoi(line.substr(5));
        } else {
            e.findings.push_back(line);
        }
    }
    return e;
}

// run_lint's output lines cut to "basename:line: CODE", the part the corpus pins.
std::vector<std::string> prefixes(const std::string& out) {
    std::vector<std::string> lines;
    std::istringstream in(out);
    static const std::regex shape(R"(^(.*?)(:\d+)?: ((INF|NET)\d{4}): .+$)");
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        EXPECT_TRUE(std::regex_match(line, m, shape)) << "not file:line: CODE: message: " << line;
        if (m.empty()) continue;
        lines.push_back(fs::path(m[1].str()).filename().string() + m[2].str() + ": " + m[3].str());
    }
    return lines;
}

struct LintRun {
    int status;
    std::string out;
    std::string err;
};

LintRun lint_files(std::vector<std::string> files) {
    std::ostringstream out, err;
    int status = run_lint(files, out, err);
    return {status, out.str(), err.str()};
}

void expect_matches(const fs::path& inf, const fs::path& expected_file) {
    SCOPED_TRACE(inf.filename().string());
    ASSERT_TRUE(fs::exists(expected_file)) << expected_file << " is missing";
    Expected expected = read_expected(expected_file);
    LintRun run = lint_files({inf.string()});
    EXPECT_EQ(run.err, "");
    EXPECT_EQ(prefixes(run.out), expected.findings) << run.out;
    EXPECT_EQ(run.status, expected.exit) << run.out;
}

// UTF-8 to UTF-16LE with a byte-order mark: how the corpus's UTF-16 INF is produced from its twin.
std::string utf16le_with_bom(const std::string& utf8) {
    std::string out = "\xFF\xFE";
    auto put = [&](uint32_t unit) {
        out.push_back(static_cast<char>(unit & 0xFF));
        out.push_back(static_cast<char>(unit >> 8));
    };
    for (std::size_t i = 0; i < utf8.size();) {
        auto c = static_cast<unsigned char>(utf8[i]);
        int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
        for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
        i += extra + 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put(0xD800 | (cp >> 10));
            put(0xDC00 | (cp & 0x3FF));
        } else {
            put(cp);
        }
    }
    return out;
}

// Findings of an in-memory INF as "line: CODE".
std::vector<std::string> codes_of(const std::string& text, const std::string& name = "nettest.inf") {
    std::vector<std::string> out;
    for (const auto& d : lint(InfFile::parse(text, name))) out.push_back(std::to_string(d.where.line) + ": " + d.code);
    return out;
}

// `text` without the line that contains `needle`.
std::string without_line(std::string text, std::string_view needle) {
    auto at = text.find(needle);
    if (at == std::string::npos) return text;
    auto start = text.rfind('\n', at);
    start = start == std::string::npos ? 0 : start + 1;
    return text.erase(start, text.find('\n', at) - start + 1);
}

bool has_code(const std::vector<std::string>& found, const std::string& code) {
    return std::any_of(found.begin(), found.end(), [&](const std::string& f) {
        return f.size() >= code.size() && f.compare(f.size() - code.size(), code.size(), code) == 0;
    });
}

bool has(const std::vector<std::string>& found, const std::string& line_code) {
    return std::find(found.begin(), found.end(), line_code) != found.end();
}

// Each of `line_codes` ("line: CODE") is among `found`.
void expect_has_all(const std::vector<std::string>& found, std::initializer_list<std::string> line_codes) {
    for (const std::string& line_code : line_codes) EXPECT_TRUE(has(found, line_code)) << line_code;
}

// A clean Net adapter INF; tests replace one piece of it. Line numbers are fixed: line 1 is
// [Version].
std::string adapter_inf(std::string_view chars = "0x84", std::string_view extra_dd = "BusType = 5",
                        std::string_view extra_reg = "", std::string_view extra_sections = "") {
    return std::string(R"([Version]
Signature = "$Windows NT$"
Class = Net
ClassGuid = {4D36E972-E325-11CE-BFC1-08002BE10318}
Provider = %P%
DriverVer = 01/02/2003,1.0.0.0
[ControlFlags]
ExcludeFromSelect = PCI\VEN_1AF4&DEV_1000
[Manufacturer]
%P% = P
[P]
%D% = A.ndi, PCI\VEN_1AF4&DEV_1000
[A.ndi]
Characteristics = )") + std::string(chars) + "\n" + std::string(extra_dd) + R"(
AddReg = A.reg
[A.ndi.Services]
AddService = adp, 2, A.svc
[A.svc]
ServiceType = 1
StartType = 3
ErrorControl = 1
ServiceBinary = %12%\adp.sys
[A.reg]
HKR, Ndi, Service, 0, "adp"
HKR, Ndi\Interfaces, UpperRange, 0, "ndis5"
HKR, Ndi\Interfaces, LowerRange, 0, "ethernet"
)" + std::string(extra_reg) + std::string(extra_sections) + R"(
[Strings]
P = "Provider"
D = "Adapter"
)";
}

// A clean software component INF of class `cls`; `reg` is its whole Ndi add-registry-section.
std::string software_inf(std::string_view cls, std::string_view guid, std::string_view reg,
                         std::string_view chars = "0x0", std::string_view extra_sections = "") {
    return R"([Version]
Signature = "$Windows NT$"
Class = )" + std::string(cls) + R"(
ClassGuid = )" + std::string(guid) + R"(
Provider = %P%
DriverVer = 01/02/2003,1.0.0.0
[Manufacturer]
%P% = P
[P]
%D% = C.ndi, prov_comp
[C.ndi]
Characteristics = )" + std::string(chars) + R"(
AddReg = C.reg
[C.ndi.Services]
AddService = comp, , C.svc
[C.svc]
ServiceType = 1
StartType = 3
ErrorControl = 1
ServiceBinary = %12%\comp.sys
[C.reg]
)" + std::string(reg) + std::string(extra_sections) + R"(
[Strings]
P = "Provider"
D = "Component"
)";
}

constexpr std::string_view kTransGuid = "{4D36E973-E325-11CE-BFC1-08002BE10318}";
constexpr std::string_view kServiceGuid = "{4D36E975-E325-11CE-BFC1-08002BE10318}";

// The Ndi add-registry-section of software_inf's component "comp" with these ranges: five lines,
// plus `ndi` after its Ndi values and `interfaces` after its ranges.
std::string component_reg(std::string_view upper, std::string_view lower, std::string_view ndi = "",
                          std::string_view interfaces = "") {
    return R"(HKR, Ndi, Service, 0, "comp"
HKR, Ndi, CoServices, 0x00010000, "comp"
HKR, Ndi, HelpText, 0, "Helps"
)" + std::string(ndi) + "HKR, Ndi\\Interfaces, UpperRange, 0, \"" + std::string(upper) +
           "\"\nHKR, Ndi\\Interfaces, LowerRange, 0, \"" + std::string(lower) + "\"\n" + std::string(interfaces);
}
const std::string kCleanTransReg = component_reg("tdi", "ndis5");

// ---- the corpus ----------------------------------------------------------------------------

TEST(Lint, CorpusMatchesExpectations) {
    int checked = 0;
    std::vector<fs::path> infs;
    for (const auto& entry : fs::directory_iterator(kCorpus))
        if (entry.path().extension() == ".inf") infs.push_back(entry.path());
    std::sort(infs.begin(), infs.end());
    for (const auto& inf : infs) {
        fs::path expected = inf;
        expect_matches(inf, expected.replace_extension(".expected"));
        ++checked;
    }
    EXPECT_GE(checked, 17);
}

TEST(Lint, Utf16CorpusFileMatchesItsUtf8Twin) {
    fs::path dir = fs::temp_directory_path() / ("strata-lint-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::path inf = dir / "netuni.inf";
    {
        std::ofstream out(inf, std::ios::binary);
        out << utf16le_with_bom(slurp(kCorpus / "netuni.inf.utf8"));
    }
    ASSERT_EQ(slurp(inf).substr(0, 4), std::string("\xFF\xFE;\0", 4));
    expect_matches(inf, kCorpus / "netuni.expected");
    fs::remove_all(dir);
}

TEST(Lint, StrataDriverInfsAreClean) {
    for (const char* inf : {"drivers/loop/netloop.inf", "drivers/probe/netprobe.inf"}) {
        LintRun run = lint_files({(kSource / inf).string()});
        EXPECT_EQ(run.status, 0) << inf << "\n" << run.out;
        EXPECT_EQ(run.out, "") << inf;
        EXPECT_EQ(run.err, "") << inf;
    }
}

TEST(Lint, UnreadableFileIsOneErrorLineOnStderr) {
    LintRun run = lint_files({(kCorpus / "no-such-file.inf").string(), (kCorpus / "netsfx_m.inf").string()});
    EXPECT_EQ(run.status, 2);
    EXPECT_EQ(run.out, "");
    ASSERT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_EQ(run.err.rfind((kCorpus / "no-such-file.inf").string() + ": cannot read: ", 0), 0u) << run.err;
}

TEST(Lint, ExitStatusIsWorstSeverityOverAllFiles) {
    EXPECT_EQ(lint_files({(kCorpus / "netsfx_m.inf").string()}).status, 0);
    EXPECT_EQ(lint_files({(kCorpus / "netprot.inf").string()}).status, 1);
    EXPECT_EQ(lint_files({(kCorpus / "netprot.inf").string(), (kCorpus / "netbad_chars.inf").string(),
                          (kCorpus / "netsfx_m.inf").string()})
                  .status,
              2);
    EXPECT_EQ(lint_files({}).status, 0);
}

TEST(Lint, FindingsAreSortedByFileThenLine) {
    auto found = lint(InfFile::load(kCorpus / "netbad_sections.inf"));
    ASSERT_GT(found.size(), 3u);
    EXPECT_TRUE(std::is_sorted(found.begin(), found.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return a.where.file != b.where.file ? a.where.file < b.where.file : a.where.line < b.where.line;
    }));
}

TEST(Lint, ParserSyntaxFindingsAreIncluded) {
    auto found = codes_of(software_inf("NetTrans", kTransGuid,
                                       std::string(kCleanTransReg) + "HKR, Ndi, Extra, 0, %NoSuchString%\n"));
    EXPECT_TRUE(has_code(found, "INF1007"));
}

TEST(Lint, CleanInlineInfsHaveNoFindings) {
    EXPECT_EQ(codes_of(adapter_inf()), std::vector<std::string>{});
    EXPECT_EQ(codes_of(software_inf("NetTrans", kTransGuid, kCleanTransReg)), std::vector<std::string>{});
}

// ---- AddReg decoding -----------------------------------------------------------------------

TEST(Lint, AddRegFlagsSelectTheValueType) {
    using namespace lint_detail;
    auto inf = InfFile::parse(
        "[r]\nHKR,,a,,x\nHKR,,b,0x00020000,x\nHKR,,c,0x00010000,x,y,z\nHKR,,d,0x00010001,7\n"
        "HKR,,e,1,0a,0b\nHKR,,f,0x00020001\nHKR,,g,0x10\nhkr,,h,0x4\n",
        "netr.inf");
    const auto& lines = inf.section("r")->lines;
    std::vector<RegType> types;
    RegProblem problem;
    for (const auto& line : lines) {
        auto e = decode_reg_line(line, problem);
        ASSERT_TRUE(e) << line.raw << ": " << problem.message;
        types.push_back(e->type);
    }
    EXPECT_EQ(types, (std::vector<RegType>{RegType::Sz, RegType::ExpandSz, RegType::MultiSz, RegType::Dword,
                                           RegType::Binary, RegType::None, RegType::Sz, RegType::Sz}));
    auto multi = decode_reg_line(lines[2], problem);
    EXPECT_EQ(multi->data, (std::vector<std::string>{"x", "y", "z"}));
    EXPECT_TRUE(decode_reg_line(lines[6], problem)->key_only());
    EXPECT_TRUE(decode_reg_line(lines[7], problem)->deletes());
}

TEST(Lint, AddRegSubkeysCompareCaseInsensitively) {
    using namespace lint_detail;
    EXPECT_EQ(normalize_key("Ndi\\Params\\Speed"), normalize_key("ndi\\params\\speed\\"));
    EXPECT_EQ(normalize_key("\\Ndi\\\\Interfaces"), "ndi\\interfaces");
    // One parameter written under both spellings is one parameter: no missing ParamDesc/Type.
    auto found = codes_of(adapter_inf("0x84", "BusType = 5",
                                      "HKR, Ndi\\Params\\Speed, ParamDesc, 0, \"Speed\"\n"
                                      "HKR, Ndi\\params\\Speed, type, 0, \"dword\"\n"
                                      "HKR, NDI\\PARAMS\\SPEED, Default, 0, \"10\"\n"));
    EXPECT_EQ(found, std::vector<std::string>{});
}

TEST(Lint, MalformedAddRegLinesAreErrors) {
    auto found = codes_of(adapter_inf("0x84", "BusType = 5",
                                      "HKXX, , A, 0, \"1\"\n"      // line 28
                                      "HKR, , B, 0x1000000, \"1\"\n"  // 29
                                      "HKR, , C, ten, \"1\"\n"        // 30
                                      "HKR, , D, 0x00010001, ten\n"   // 31
                                      "HKR, , E, 0x1, 0g\n"));        // 32
    expect_has_all(found, {"28: NET2703", "29: NET2704", "30: NET2704", "31: NET2705", "32: NET2705"});
}

TEST(Lint, PlaceholderDecorationIsAWarningNotACrash) {
    std::string inf = adapter_inf();
    inf.replace(inf.find("%P% = P\n[P]"), 11, "%P% = P, NT$ARCH$\n[P.NT$ARCH$]");
    auto found = codes_of(inf);
    EXPECT_EQ(found, std::vector<std::string>{"10: NET2103"});
    std::string unstamped = adapter_inf();
    unstamped.replace(unstamped.find("%P% = P\n"), 8, "%P% = P, NT$ARCH$\n");
    EXPECT_EQ(codes_of(unstamped), std::vector<std::string>{"10: NET2103"});
}

TEST(Lint, DocsListEveryCode) {
    std::string docs = slurp(kSource / "docs/lint.md");
    for (const auto& code : kSyntaxCodes) EXPECT_NE(docs.find(std::string(code.code)), std::string::npos) << code.code;
    std::set<std::string> net;
    static const std::regex pattern("\"(NET2\\d{3})\"");
    for (const auto& entry : fs::directory_iterator(kSource / "src/netcfg")) {
        std::string name = entry.path().filename().string();
        if (name.rfind("lint_", 0) != 0 || name == "lint_test.cpp") continue;
        std::string text = slurp(entry.path());
        for (std::sregex_iterator it(text.begin(), text.end(), pattern), end; it != end; ++it) net.insert((*it)[1]);
    }
    EXPECT_GT(net.size(), 80u);
    for (const auto& code : net) EXPECT_NE(docs.find("| " + code + " |"), std::string::npos) << code;
}

// ---- seed 003 §4.2, rule by rule ----------------------------------------------------------

TEST(Seed_4_2_Lint, Seed_4_2_1_FileNameStartsWithNet) {
    EXPECT_TRUE(has(codes_of(adapter_inf(), "adapter.inf"), "0: NET2009"));
    EXPECT_FALSE(has_code(codes_of(adapter_inf(), "NETADP.INF"), "NET2009"));
}

TEST(Seed_4_2_Lint, Seed_4_2_2_ChicagoSignatureNeedsCompatible) {
    std::string inf = adapter_inf();
    inf.replace(inf.find("\"$Windows NT$\""), 14, "$Chicago$");
    EXPECT_EQ(codes_of(inf), std::vector<std::string>{"2: NET2004"});
    inf.replace(inf.find("Class = Net"), 0, "Compatible = 1\n");
    EXPECT_EQ(codes_of(inf), std::vector<std::string>{});
}

TEST(Seed_4_2_Lint, Seed_4_2_2_Windows95SignatureDoesNotInstall) {
    std::string inf = adapter_inf();
    inf.replace(inf.find("\"$Windows NT$\""), 14, "$Windows 95$");
    EXPECT_EQ(codes_of(inf), std::vector<std::string>{"2: NET2003"});
}

TEST(Seed_4_2_Lint, Seed_4_2_2_ClassGuidMustNameANetworkClass) {
    std::string inf = adapter_inf();
    inf.replace(inf.find("{4D36E972"), 9, "{4D36E968");
    EXPECT_TRUE(has(codes_of(inf), "4: NET2006"));
    std::string other = adapter_inf();
    other.replace(other.find("{4D36E972"), 9, "{4D36E973");
    EXPECT_TRUE(has(codes_of(other), "4: NET2007"));  // installs as the Class it names: warning only
}

TEST(Seed_4_2_Lint, Seed_4_2_3_SoftwareHwIdIsProviderUnderscoreProduct) {
    std::string inf = software_inf("NetTrans", kTransGuid, kCleanTransReg);
    inf.replace(inf.find("prov_comp"), 9, "provcomp");
    EXPECT_EQ(codes_of(inf), std::vector<std::string>{"10: NET2106"});
    // A physical adapter's id is its bus id, not a Provider_Product name.
    EXPECT_FALSE(has_code(codes_of(adapter_inf()), "NET2106"));
}

TEST(Seed_4_2_Lint, Seed_4_2_4_CharacteristicsRequired) {
    std::string inf = adapter_inf();
    inf.replace(inf.find("Characteristics = 0x84\n"), 23, "");
    EXPECT_TRUE(has(codes_of(inf), "13: NET2201"));
}

TEST(Seed_4_2_Lint, Seed_4_2_4_CharacteristicsExclusive) {
    EXPECT_TRUE(has(codes_of(adapter_inf("0x85")), "14: NET2203"));
    EXPECT_TRUE(has(codes_of(adapter_inf("0x3")), "14: NET2203"));
    EXPECT_FALSE(has_code(codes_of(adapter_inf("0x84")), "NET2203"));
}

TEST(Seed_4_2_Lint, Seed_4_2_4_NoServiceExcludesAdapterKinds) {
    EXPECT_TRUE(has(codes_of(adapter_inf("0x94")), "14: NET2204"));
    EXPECT_TRUE(has(codes_of(adapter_inf("0x11", "")), "14: NET2204"));
}

TEST(Seed_4_2_Lint, Seed_4_2_4_UnknownAndForeignBits) {
    EXPECT_TRUE(has(codes_of(adapter_inf("0x1084")), "14: NET2205"));
    EXPECT_TRUE(has(codes_of(adapter_inf("0x484")), "14: NET2206"));  // NCF_FILTER on a Net adapter
}

TEST(Seed_4_2_Lint, Seed_4_2_4_PhysicalAdapterNeedsBusType) {
    EXPECT_TRUE(has(codes_of(adapter_inf("0x84", "")), "13: NET2208"));
    EXPECT_TRUE(has(codes_of(adapter_inf("0x84", "BusType = PCI")), "15: NET2209"));
    EXPECT_FALSE(has_code(codes_of(adapter_inf("0x81", "")), "NET2208"));
}

TEST(Seed_4_2_Lint, Seed_4_2_4_EisaAdapterNeedsEisaCompressedId) {
    EXPECT_TRUE(has(codes_of(adapter_inf("0x84", "BusType = 2")), "15: NET2211"));
    EXPECT_FALSE(has_code(codes_of(adapter_inf("0x84", "BusType = 2\nEisaCompressedId = 0x24322432")), "NET2211"));
}

TEST(Seed_4_2_Lint, Seed_4_2_4_Port1NumbersExclusive) {
    auto found = codes_of(adapter_inf("0x84", "BusType = 5\nPort1DeviceNumber = 4\nPort1FunctionNumber = 2"));
    EXPECT_EQ(found, std::vector<std::string>{"17: NET2210"});
}

TEST(Seed_4_2_Lint, Seed_4_2_5_NoRemoveSectionForAdapters) {
    auto found = codes_of(adapter_inf("0x84", "BusType = 5", "", "[A.ndi.Remove]\nDelFiles = A.reg\n"));
    EXPECT_TRUE(has(found, "28: NET2708"));
    auto trans = codes_of(software_inf("NetTrans", kTransGuid, kCleanTransReg, "0x0", "[C.ndi.Remove]\n"));
    EXPECT_FALSE(has_code(trans, "NET2708"));
}

TEST(Seed_4_2_Lint, Seed_4_2_6_PnpAdapterExcludedFromSelect) {
    std::string inf = adapter_inf();
    inf.replace(inf.find("ExcludeFromSelect = PCI\\VEN_1AF4&DEV_1000"), 41, "ExcludeFromSelect = other_id");
    EXPECT_EQ(codes_of(inf), std::vector<std::string>{"12: NET2717"});
    std::string isa = adapter_inf("0x84", "BusType = 1");
    EXPECT_EQ(codes_of(isa), std::vector<std::string>{"7: NET2718"});
}

TEST(Seed_4_2_Lint, Seed_4_2_7_EveryComponentAddsAnNdiKey) {
    std::string inf = adapter_inf();
    inf.replace(inf.find("HKR, Ndi, Service"), 4, "HKR, Foo");
    inf.replace(inf.find("HKR, Ndi\\Interfaces, Upper"), 5, "HKR, Bar");
    inf.replace(inf.find("HKR, Ndi\\Interfaces, Lower"), 5, "HKR, Bar");
    EXPECT_TRUE(has(codes_of(inf), "16: NET2301"));
}

TEST(Seed_4_2_Lint, Seed_4_2_7_2_WanAdapterDeclaresEndpoints) {
    std::string inf = adapter_inf("0x1", "");
    inf.replace(inf.find("\"ethernet\""), 10, "\"wan\"");
    inf.replace(inf.find("ExcludeFromSelect = PCI\\VEN_1AF4&DEV_1000"), 41, "ExcludeFromSelect = *");
    EXPECT_TRUE(has(codes_of(inf), "27: NET2406"));
    std::string isdn = inf;
    isdn.replace(isdn.find("\"wan\""), 5, "\"isdn\"");
    auto found = codes_of(isdn);
    EXPECT_TRUE(has(found, "27: NET2407"));
}

TEST(Seed_4_2_Lint, Seed_4_2_7_7_HelpTextForSoftwareNotAdapters) {
    std::string reg = without_line(std::string(kCleanTransReg), "HelpText");
    EXPECT_EQ(codes_of(software_inf("NetTrans", kTransGuid, reg)), std::vector<std::string>{"13: NET2307"});
    auto adapter = codes_of(adapter_inf("0x84", "BusType = 5", "HKR, Ndi, HelpText, 0, \"no\"\n"));
    EXPECT_EQ(adapter, std::vector<std::string>{"28: NET2308"});
}

TEST(Seed_4_2_Lint, Seed_4_2_7_8_NotifyObjectNeedsClsIdAndComponentDll) {
    std::string reg = std::string(kCleanTransReg) + "HKR, Ndi, ClsID, 0, \"{00000000-0000-0000-0000-000000000001}\"\n";
    auto found = codes_of(software_inf("NetTrans", kTransGuid, reg));
    EXPECT_EQ(found, std::vector<std::string>{"27: NET2310"});
}

TEST(Seed_4_2_Lint, Seed_4_2_7_9_NdiServiceMatchesAddService) {
    std::string reg(kCleanTransReg);
    reg.replace(reg.find("\"comp\""), 6, "\"other\"");
    EXPECT_TRUE(has(codes_of(software_inf("NetTrans", kTransGuid, reg)), "22: NET2302"));
    std::string inf = adapter_inf();
    inf.erase(inf.find("HKR, Ndi, Service, 0, \"adp\"\n"), 28);
    EXPECT_TRUE(has(codes_of(inf), "16: NET2303"));
}

TEST(Seed_4_2_Lint, Seed_4_2_7_9_CoServicesForSoftwareNotAdapters) {
    std::string reg = without_line(std::string(kCleanTransReg), "CoServices");
    EXPECT_EQ(codes_of(software_inf("NetTrans", kTransGuid, reg)), std::vector<std::string>{"22: NET2304"});
    std::string single(kCleanTransReg);
    single.replace(single.find("0x00010000, \"comp\""), 18, "0, \"other\"");
    EXPECT_EQ(codes_of(software_inf("NetTrans", kTransGuid, single)), std::vector<std::string>{"23: NET2306"});
    auto adapter = codes_of(adapter_inf("0x84", "BusType = 5", "HKR, Ndi, CoServices, 0x00010000, \"adp\"\n"));
    EXPECT_EQ(adapter, std::vector<std::string>{"28: NET2305"});
}

TEST(Seed_4_2_Lint, Seed_4_2_7_10_RangeTokensPerClass) {
    std::string reg(kCleanTransReg);
    reg.replace(reg.find("\"tdi\""), 5, "\"tdi,ethernet\"");
    reg.replace(reg.find("\"ndis5\""), 7, "\"ndis5,ndis3\"");
    auto found = codes_of(software_inf("NetTrans", kTransGuid, reg));
    EXPECT_EQ(found, (std::vector<std::string>{"25: NET2402", "26: NET2403"}));
    std::string vendor = adapter_inf();
    vendor.replace(vendor.find("\"ndis5\""), 7, "\"acme_private\"");
    EXPECT_EQ(codes_of(vendor), std::vector<std::string>{"26: NET2402"});
}

TEST(Seed_4_2_Lint, Seed_4_2_7_11_ParamsNeedDescTypeAndConsistentRange) {
    auto found = codes_of(adapter_inf("0x84", "BusType = 5",
                                      "HKR, Ndi\\params\\A, ParamDesc, 0, \"A\"\n"   // 28
                                      "HKR, Ndi\\params\\B, Type, 0, \"dword\"\n"    // 29
                                      "HKR, Ndi\\params\\B, Default, 0, \"1\"\n"     // 30
                                      "HKR, Ndi\\params\\C, ParamDesc, 0, \"C\"\n"   // 31
                                      "HKR, Ndi\\params\\C, Type, 0, \"long\"\n"     // 32
                                      "HKR, Ndi\\params\\C, Min, 0, \"5\"\n"         // 33
                                      "HKR, Ndi\\params\\C, Max, 0, \"1\"\n"         // 34
                                      "HKR, Ndi\\params\\C, Default, 0, \"3\"\n"));  // 35
    expect_has_all(found, {"28: NET2502", "29: NET2501", "34: NET2506", "35: NET2507"});
}

TEST(Seed_4_2_Lint, Seed_4_2_7_11_ReservedNamesAndEnumValues) {
    auto found = codes_of(adapter_inf("0x84", "BusType = 5",
                                      "HKR, Ndi\\params\\InfPath, ParamDesc, 0, \"Path\"\n"  // 28
                                      "HKR, Ndi\\params\\InfPath, Type, 0, \"edit\"\n"       // 29
                                      "HKR, Ndi\\params\\E, ParamDesc, 0, \"E\"\n"           // 30
                                      "HKR, Ndi\\params\\E, Type, 0, \"enum\"\n"             // 31
                                      "HKR, Ndi\\params\\E, Default, 0, \"0\"\n"));          // 32
    EXPECT_EQ(found, (std::vector<std::string>{"28: NET2504", "30: NET2505"}));
}

TEST(Seed_4_2_Lint, Seed_4_2_7_11_AdvancedPageNeedsHasUi) {
    auto found = codes_of(adapter_inf("0x4", "BusType = 5",
                                      "HKR, Ndi\\params\\E, ParamDesc, 0, \"E\"\n"
                                      "HKR, Ndi\\params\\E, Type, 0, \"edit\"\n"
                                      "HKR, Ndi\\params\\E, Default, 0, \"x\"\n"));
    EXPECT_EQ(found, std::vector<std::string>{"14: NET2514"});
}

TEST(Seed_4_2_Lint, Seed_4_2_7_13_FilterServiceValues) {
    std::string reg = component_reg("noupper", "nolower", "HKR, Ndi, FilterClass, 0, \"shaper\"\n",
                                    "HKR, Ndi\\Interfaces, FilterMediaTypes, 0, \"ethernet\"\n");
    auto found = codes_of(software_inf("NetService", kServiceGuid, reg, "0x400"));
    EXPECT_EQ(found, (std::vector<std::string>{"13: NET2604", "13: NET2605", "25: NET2603"}));
}

TEST(Seed_4_2_Lint, Seed_4_2_7_13_FilterDeviceCheckedAcrossFiles) {
    auto found = lint(InfFile::load(kCorpus / "netbad_filter.inf"));
    std::set<std::string> codes;
    for (const auto& d : found) codes.insert(d.code);
    EXPECT_TRUE(codes.count("NET2610"));
    EXPECT_TRUE(codes.count("NET2614"));
    EXPECT_FALSE(codes.count("NET2609"));
    // From memory there is no directory to find the device INF in: no cross-file findings.
    auto parsed = lint(InfFile::parse(slurp(kCorpus / "netbad_filter.inf"), "netbad_filter.inf"));
    for (const auto& d : parsed) EXPECT_NE(d.code, "NET2610");
}

TEST(Seed_4_2_Lint, Seed_4_2_7_15_ObsoleteWindows95NdiValues) {
    auto found = codes_of(adapter_inf("0x84", "BusType = 5",
                                      "HKR, Ndi, CardType, 0, \"PCI\"\n"
                                      "HKR, Ndi\\Interfaces, DefLower, 0, \"ethernet\"\n"
                                      "HKR, , DevLoader, 0, \"*ndis\"\n"));
    EXPECT_EQ(found, (std::vector<std::string>{"28: NET2309", "29: NET2309", "30: NET2309"}));
}

TEST(Seed_4_2_Lint, Seed_4_2_8_NetNeedsServicesSection) {
    std::string inf = adapter_inf();
    inf.replace(inf.find("[A.ndi.Services]"), 16, "[A.ndi.Other]");
    EXPECT_TRUE(has(codes_of(inf), "13: NET2212"));
    EXPECT_TRUE(has_code(codes_of(software_inf("NetTrans", kTransGuid, kCleanTransReg)), "NET2212") == false);
}

TEST(Seed_4_2_Lint, Seed_4_2_8_ServiceInstallSectionIsComplete) {
    std::string inf = adapter_inf();
    inf.erase(inf.find("ServiceBinary = %12%\\adp.sys\n"), 29);
    EXPECT_EQ(codes_of(inf), std::vector<std::string>{"19: NET2706"});
}

TEST(Seed_4_2_Lint, Seed_4_2_9_2_PrintProviderEntries) {
    std::string reg = component_reg("noupper", "netbios");
    auto found = codes_of(software_inf("NetClient", "{4D36E974-E325-11CE-BFC1-08002BE10318}", reg, "0x0",
                                       "[C.ndi.PrintProvider]\nPrintProviderName = \"x\"\n"));
    expect_has_all(found, {"27: NET2715", "15: NET2714"});
}

TEST(Seed_4_2_Lint, Seed_4_2_10_WinsockSectionNeedsRequiredValues) {
    std::string sections = "[C.ndi.Winsock]\nAddSock = C.sock\n[C.sock]\nTransportService = comp\n";
    auto found = codes_of(software_inf("NetTrans", kTransGuid, kCleanTransReg, "0x0", sections));
    EXPECT_EQ(std::count(found.begin(), found.end(), "29: NET2709"), 3);
    auto missing = codes_of(software_inf("NetTrans", kTransGuid, kCleanTransReg, "0x0",
                                         "[C.ndi.Winsock]\nAddSock = C.gone\n"));
    EXPECT_TRUE(has(missing, "28: NET2701"));
}

TEST(Seed_4_2_Lint, Seed_4_2_11_ReferencedSectionsMustExist) {
    auto found = codes_of(adapter_inf("0x84", "BusType = 5\nCopyFiles = A.nofiles"));
    EXPECT_TRUE(has(found, "16: NET2701"));
}

}  // namespace
}  // namespace strata::netcfg
