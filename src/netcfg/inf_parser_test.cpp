// inf_parser_test.cpp — unit tests for the INF parser (seed 003 ch. 4; Microsoft's "General Syntax
// Rules for INF Files", "INF Strings Section", Include/Needs, "Using Dirids"): a table of syntax
// edge cases, each with the lines and the findings Windows' rules give, then focused tests for
// encodings, localized strings, DIRIDs, decorated sections, Include= and unreadable files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "netcfg/inf.h"
#include "netcfg/syntax_codes.h"

namespace strata::netcfg {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

// ---- helpers -------------------------------------------------------------------------------

std::vector<std::string> codes_of(const InfFile& inf) {
    std::vector<std::string> codes;
    for (const Diagnostic& d : inf.diagnostics()) codes.push_back(d.code);
    return codes;
}

std::string all_diagnostics(const InfFile& inf) {
    std::string text;
    for (const Diagnostic& d : inf.diagnostics()) text += d.format() + "\n";
    return text;
}

// A directory under the system temp directory, removed with everything in it at the end.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() /
                ("strata-inf-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path write(const std::string& name, const std::string& bytes) const {
        fs::path file = path_ / name;
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << bytes;
        return file;
    }

private:
    fs::path path_;
};

// ---- the table -----------------------------------------------------------------------------

struct ExpectLine {
    ExpectLine(std::string section, std::size_t index, std::optional<std::string> key, std::vector<std::string> fields,
               std::optional<std::vector<std::string>> raw_fields = std::nullopt, unsigned line_no = 0)
        : section(std::move(section)), index(index), key(std::move(key)), fields(std::move(fields)),
          raw_fields(std::move(raw_fields)), line_no(line_no) {}

    std::string section;
    std::size_t index;                                   // which line of the section
    std::optional<std::string> key;                      // nullopt: the line has no '='
    std::vector<std::string> fields;
    std::optional<std::vector<std::string>> raw_fields;  // checked when given
    unsigned line_no;                                    // checked when not 0
};

struct Case {
    Case(std::string name, std::string input, std::vector<ExpectLine> lines, std::vector<std::string> codes,
         std::map<std::string, std::size_t> line_counts = {})
        : name(std::move(name)), input(std::move(input)), lines(std::move(lines)), codes(std::move(codes)),
          line_counts(std::move(line_counts)) {}

    std::string name;
    std::string input;
    std::vector<ExpectLine> lines;
    std::vector<std::string> codes;                  // every finding's code, in order
    std::map<std::string, std::size_t> line_counts;  // section -> number of lines, when given
};

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

std::string many_fields(std::size_t n) {
    std::string line = "HKR,,Big,1";
    for (std::size_t i = 0; i < n; ++i) line += ",0" + std::to_string(i % 10);
    return line;
}

const std::vector<Case>& cases() {
    static const std::vector<Case> table = {
        {"SimpleKeyValue", "[Version]\nSignature = \"$Windows NT$\"\n",
         {{"Version", 0, "Signature", {"$Windows NT$"}, std::vector<std::string>{"\"$Windows NT$\""}, 2}}, {}},
        {"KeylessLine", "[loop.CopyFiles]\nloop.sys,,,2\n",
         {{"loop.CopyFiles", 0, std::nullopt, {"loop.sys", "", "", "2"}}}, {}},
        {"RegistryLine", "[r]\nHKR, Ndi\\Interfaces, UpperRange, 0, \"ndis5\"\n",
         {{"r", 0, std::nullopt, {"HKR", "Ndi\\Interfaces", "UpperRange", "0", "ndis5"}}}, {}},
        {"EmptyFieldsKept", "[a]\na,,b\n", {{"a", 0, std::nullopt, {"a", "", "b"}}}, {}},
        {"TrailingCommaMakesEmptyField", "[a]\na,\n", {{"a", 0, std::nullopt, {"a", ""}}}, {}},
        {"KeyWithEmptyValue", "[a]\nkey =\n", {{"a", 0, "key", {""}}}, {}},
        {"QuotedDoubleQuote", "[a]\nx = \"say \"\"hi\"\"\"\n", {{"a", 0, "x", {"say \"hi\""}}}, {}},
        {"TripleQuotesKeepOnePair", "[a]\nx = \"\"\"s\"\"\"\n", {{"a", 0, "x", {"\"s\""}}}, {}},
        {"EmptyQuotedField", "[a]\nx = \"\", b\n", {{"a", 0, "x", {"", "b"}}}, {}},
        {"PartlyQuotedField", "[a]\nx = \"abc\"def\n",
         {{"a", 0, "x", {"abcdef"}, std::vector<std::string>{"\"abc\"def"}}}, {}},
        {"QuotedCommaAndSemicolon", "[a]\nx = \"a,b;c\", d\n", {{"a", 0, "x", {"a,b;c", "d"}}}, {}},
        {"QuotedEqualsIsNoKey", "[a]\n\"a=b\", c\n", {{"a", 0, std::nullopt, {"a=b", "c"}}}, {}},
        {"KeyIsLeftOfFirstEquals", "[a]\na = b = c\n", {{"a", 0, "a", {"b = c"}}}, {}},
        {"QuotedBlanksKept", "[a]\nx = \"  padded  \"\n", {{"a", 0, "x", {"  padded  "}}}, {}},
        {"UnterminatedQuote", "[a]\nx = \"abc, def\ny = 1\n",
         {{"a", 0, "x", {"abc, def"}}, {"a", 1, "y", {"1"}}}, {"INF1006"}},
        {"CommentStripped", "[a]\nx = 1 ; comment, with comma\n",
         {{"a", 0, "x", {"1"}, std::vector<std::string>{"1"}}}, {}},
        {"BlankAndCommentLinesSkipped", "[a]\n   \t \n; only a comment\n\nx=1\n", {{"a", 0, "x", {"1"}, {}, 5}},
         {}, {{"a", 1}}},
        {"TabsAndBlanksTrimmed", "[a]\n\tKey\t=\tv1 ,\tv2\t\n", {{"a", 0, "Key", {"v1", "v2"}}}, {}},
        {"KeyWithTrailingBlanks", "[a]\nKey   \t= v\n", {{"a", 0, "Key", {"v"}}}, {}},
        {"InnerBlanksKept", "[a]\nx = a b ,  c  d\n", {{"a", 0, "x", {"a b", "c  d"}}}, {}},
        {"Continuation", "[a]\nHKR,,B,1,01,02,\\\n   03,04\ny=2\n",
         {{"a", 0, std::nullopt, {"HKR", "", "B", "1", "01", "02", "03", "04"}, {}, 2}, {"a", 1, "y", {"2"}, {}, 4}},
         {}},
        {"HexListOverManyLines", "[a]\nHKR,,B,1,\\\n 01,02,\\\n 03,\\\n 04\n",
         {{"a", 0, std::nullopt, {"HKR", "", "B", "1", "01", "02", "03", "04"}, {}, 2}}, {}, {{"a", 1}}},
        {"ContinuationBeforeComment", "[a]\nCopyFiles = \"Dir\\\"\\ ; comment\n,File\n",
         {{"a", 0, "CopyFiles", {"Dir\\", "File"}}}, {}},
        {"DoubleBackslashAtEnd", "[a]\nCopyFiles = Dir\\\\\n,File\n", {{"a", 0, "CopyFiles", {"Dir\\", "File"}}}, {}},
        {"BackslashInQuotesAtEndDoesNotContinue", "[a]\nx = \"a\\\"\ny = 2\n",
         {{"a", 0, "x", {"a\\"}}, {"a", 1, "y", {"2"}}}, {}},
        {"BackslashInPathIsOrdinary", "[a]\nServiceBinary = %12%\\loop.sys\nHKR, Ndi\\params\\X, Type, 0, \"dword\"\n",
         {{"a", 0, "ServiceBinary", {"%12%\\loop.sys"}},
          {"a", 1, std::nullopt, {"HKR", "Ndi\\params\\X", "Type", "0", "dword"}}},
         {}},
        {"ContinuationAtEndOfFile", "[a]\nx=1,\\", {{"a", 0, "x", {"1", ""}}}, {"INF1013"}},
        {"PercentPercent", "[a]\nHKR,,E,0x00020000,\"%%SystemRoot%%\\System32\\netevent.dll\"\n",
         {{"a", 0, std::nullopt, {"HKR", "", "E", "0x00020000", "%SystemRoot%\\System32\\netevent.dll"}}}, {}},
        {"StringSubstitution", "[a]\nx = %Name%\n[Strings]\nname = \"Strata\"\n", {{"a", 0, "x", {"Strata"}}}, {}},
        {"SubstitutionInsideQuotes", "[a]\nx = \"%Dir%\\x.sys\"\n[Strings]\nDir = \"C:\\d\"\n",
         {{"a", 0, "x", {"C:\\d\\x.sys"}}}, {}},
        {"SubstitutionIsNotRecursive", "[a]\nx = %A%\n[Strings]\nA = \"%B%\"\nB = b\n", {{"a", 0, "x", {"%B%"}}}, {}},
        {"SubstitutedValueWithCommaIsOneField", "[a]\nx = %A%, z\n[Strings]\nA = x, y\n",
         {{"a", 0, "x", {"x, y", "z"}}}, {}},
        {"StringsPercentPercentKeptVerbatim", "[a]\nx = %A%\n[Strings]\nA = \"100%%\"\n",
         {{"a", 0, "x", {"100%%"}}}, {}},
        {"NumericTokenWithoutDiridKept", "[a]\nx = %12%\\a, \"%01%\\b\"\n", {{"a", 0, "x", {"%12%\\a", "%01%\\b"}}}, {}},
        {"UnknownTokenKept", "[a]\nx = %Nope%, %Nope%\n[Strings]\ny = 1\n", {{"a", 0, "x", {"%Nope%", "%Nope%"}}},
         {"INF1007"}},
        {"KeySubstituted", "[m]\n%Dev% = install, hw_id\n[Strings]\nDev = \"Strata Device\"\n",
         {{"m", 0, "Strata Device", {"install", "hw_id"}, std::vector<std::string>{"install", "hw_id"}}}, {}},
        {"SemicolonInsideTokenIsNoComment", "[a]\nx = %a;b%\n[Strings]\n\"a;b\" = \"v\"\n", {{"a", 0, "x", {"v"}}}, {}},
        {"LonePercentThenComment", "[a]\nx = 50% ; note 10%\n", {{"a", 0, "x", {"50%"}}}, {"INF1018"}},
        {"BuildPlaceholderKept", "[Manufacturer]\n%M% = M, NT$ARCH$\n[Strings]\nM = \"Maker\"\n",
         {{"Manufacturer", 0, "Maker", {"M", "NT$ARCH$"}}}, {}},
        {"LinesBeforeFirstSection", "x = 1\ny = 2\n[a]\nz = 3\n", {{"a", 0, "z", {"3"}}}, {"INF1001"}, {{"a", 1}}},
        {"MissingClosingBracket", "[Version\nx = 1\n", {{"Version", 0, "x", {"1"}}}, {"INF1002"}},
        {"TextAfterHeader", "[a] junk\nx = 1\n", {{"a", 0, "x", {"1"}}}, {"INF1003"}},
        {"CommentAfterHeader", "[a] ; fine\nx = 1\n", {{"a", 0, "x", {"1"}}}, {}},
        {"EmptySectionName", "[]\nx = 1\n", {{"", 0, "x", {"1"}}}, {"INF1004"}},
        {"SectionNameTooLong", "[" + repeat('s', 256) + "]\nx=1\n", {}, {"INF1005"}},
        {"SectionNameWithSpacesAndDots", "[Std Mfg.NTamd64.10.0]\nx = 1\n", {{"Std Mfg.NTamd64.10.0", 0, "x", {"1"}}},
         {}},
        {"SectionNameKeepsSemicolon", "[;; Std Mfg ]\nx = 1\n", {{";; Std Mfg ", 0, "x", {"1"}}}, {}},
        {"DuplicateSectionsMerged", "[a]\nx=1\n[b]\ny=2\n[A]\nz=3\n", {{"a", 0, "x", {"1"}}, {"a", 1, "z", {"3"}}}, {},
         {{"a", 2}, {"b", 1}}},
        {"EmptySection", "[a]\n[b]\nx=1\n", {{"b", 0, "x", {"1"}}}, {}, {{"a", 0}, {"b", 1}}},
        {"CtrlZEndsFile", "[a]\nx=1\n\x1Ay=2\n", {{"a", 0, "x", {"1"}}}, {}, {{"a", 1}}},
        {"CrOnlyLineEnds", "[a]\rx=1\ry=2\r", {{"a", 0, "x", {"1"}, {}, 2}, {"a", 1, "y", {"2"}, {}, 3}}, {}},
        {"CrLfLineEnds", "[a]\r\nx=1\r\n\r\ny=2\r\n", {{"a", 0, "x", {"1"}, {}, 2}, {"a", 1, "y", {"2"}, {}, 4}}, {}},
        {"NulInAnsiFile", "[a]\nx=1\0\n"s, {{"a", 0, "x", {"1"}}}, {"INF1011"}},
        {"Windows1252", "[a]\nx = caf\xE9 \x80\n", {{"a", 0, "x", {"caf\xC3\xA9 \xE2\x82\xAC"}}}, {}},
        {"Utf8WithoutBom", "[a]\nx = caf\xC3\xA9\n", {{"a", 0, "x", {"caf\xC3\xA9"}}}, {}},
        {"FieldTooLong", "[a]\nx = " + repeat('a', 4096) + "\n", {}, {"INF1008"}},
        {"FieldLongestAllowed", "[a]\nx = " + repeat('a', 4095) + "\n", {}, {}},
        {"SubstitutedTooLong", "[a]\nx = %A%%A%\n[Strings]\nA = \"" + repeat('b', 3000) + "\"\n", {}, {"INF1009"}},
        {"VeryLongLineManyFields", "[a]\n" + many_fields(3000) + "\n", {}, {}, {{"a", 1}}},
        {"StringValueTooLong", "[Strings]\nA = \"" + repeat('b', 4096) + "\"\n", {}, {"INF1010"}},
        {"SectionNameCountsUtf16Units", "[" + repeat('s', 254) + "\xF0\x9F\x98\x80]\nx=1\n", {}, {"INF1005"}},
        {"StringsDuplicateKey", "[a]\nx = %K%\n[Strings]\nK = first\nk = second\n", {{"a", 0, "x", {"first"}}},
         {"INF1015"}},
        {"StringsLineWithoutEquals", "[Strings]\njust text\n", {}, {"INF1016"}},
        {"StringsBadLanguageId", "[Strings.xyz]\na = 1\n", {}, {"INF1017"}},
        {"StringsSectionNotSubstituted", "[Strings]\nA = \"%B%\", x\nB = \"%%\"\n",
         {{"Strings", 0, "A", {"%B%", "x"}}, {"Strings", 1, "B", {"%%"}}}, {}},
        {"NeedsIsAnOrdinaryLine", "[i.NT]\nNeeds = KS.Registration, WDMAUDIO.Registration\n",
         {{"i.NT", 0, "Needs", {"KS.Registration", "WDMAUDIO.Registration"}}}, {}},
    };
    return table;
}

class InfParserCase : public testing::TestWithParam<Case> {};

TEST_P(InfParserCase, Parses) {
    const Case& c = GetParam();
    InfFile inf = InfFile::parse(c.input, "t.inf");
    EXPECT_EQ(codes_of(inf), c.codes) << all_diagnostics(inf);
    for (const auto& [name, count] : c.line_counts) {
        const InfSection* section = inf.section(name);
        ASSERT_NE(section, nullptr) << "[" << name << "]";
        EXPECT_EQ(section->lines.size(), count) << "[" << name << "]";
    }
    for (const ExpectLine& e : c.lines) {
        const InfSection* section = inf.section(e.section);
        ASSERT_NE(section, nullptr) << "[" << e.section << "]";
        ASSERT_LT(e.index, section->lines.size()) << "[" << e.section << "]";
        const InfLine& line = section->lines[e.index];
        EXPECT_EQ(line.key, e.key) << line.raw;
        EXPECT_EQ(line.fields, e.fields) << line.raw;
        if (e.raw_fields) {
            EXPECT_EQ(line.raw_fields, *e.raw_fields) << line.raw;
        }
        if (e.line_no != 0) {
            EXPECT_EQ(line.where.line, e.line_no) << line.raw;
        }
        EXPECT_EQ(line.where.file, "t.inf");
    }
    if (c.lines.empty() && c.line_counts.empty()) SUCCEED() << "findings only";
}

INSTANTIATE_TEST_SUITE_P(InfParser, InfParserCase, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

// ---- focused tests -------------------------------------------------------------------------

TEST(InfParser, ContinuationKeepsFirstLineNumberAndRaw) {
    InfFile inf = InfFile::parse("[a]\n\nx = 1, \\ ; first\n  2 ; second\n", "t.inf");
    const InfLine& line = inf.section("a")->lines.at(0);
    EXPECT_EQ(line.where.line, 3u);
    EXPECT_EQ(line.raw, "x = 1,   2");
    EXPECT_EQ(line.fields, (std::vector<std::string>{"1", "2"}));
}

TEST(InfParser, RawKeepsQuotesAndTokens) {
    InfFile inf = InfFile::parse("[a]\nHKR,,\"V\",0,%S% ; note\n[Strings]\nS = s\n", "t.inf");
    const InfLine& line = inf.section("a")->lines.at(0);
    EXPECT_EQ(line.raw, "HKR,,\"V\",0,%S%");
    EXPECT_EQ(line.raw_fields, (std::vector<std::string>{"HKR", "", "\"V\"", "0", "%S%"}));
    EXPECT_EQ(line.fields, (std::vector<std::string>{"HKR", "", "V", "0", "s"}));
}

TEST(InfParser, FieldBeyondEndIsEmpty) {
    InfFile inf = InfFile::parse("[a]\nx = 1\n", "t.inf");
    const InfLine& line = inf.section("a")->lines.at(0);
    EXPECT_EQ(line.field(0), "1");
    EXPECT_EQ(line.field(5), "");
}

TEST(InfParser, SectionLookupIsCaseInsensitive) {
    InfFile inf = InfFile::parse("[Version]\nSignature=\"$Windows NT$\"\n", "t.inf");
    ASSERT_NE(inf.section("VERSION"), nullptr);
    EXPECT_EQ(inf.section("version")->name, "Version");
    EXPECT_EQ(inf.section("Versio"), nullptr);
    EXPECT_EQ(inf.sections().size(), 1u);
}

TEST(InfParser, FindFindAllAndValue) {
    InfFile inf = InfFile::parse("[i]\nAddReg = a\nCopyFiles = c\naddreg = b, d\n", "t.inf");
    const InfSection* s = inf.section("i");
    ASSERT_NE(s, nullptr);
    ASSERT_NE(s->find("ADDREG"), nullptr);
    EXPECT_EQ(s->find("ADDREG")->field(0), "a");
    auto all = s->find_all("AddReg");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1]->fields, (std::vector<std::string>{"b", "d"}));
    EXPECT_EQ(s->value("copyfiles"), "c");
    EXPECT_EQ(s->value("DelFiles"), std::nullopt);
    EXPECT_EQ(s->find("DelFiles"), nullptr);
}

TEST(InfParser, SectionsKeepOrderOfFirstAppearance) {
    InfFile inf = InfFile::parse("[b]\n[a]\n[B]\nx=1\n[c]\n", "t.inf");
    std::vector<std::string> names;
    for (const InfSection& s : inf.sections()) names.push_back(s.name);
    EXPECT_EQ(names, (std::vector<std::string>{"b", "a", "c"}));
    EXPECT_EQ(inf.section("b")->where.line, 1u);
}

TEST(InfParser, Utf16LeWithBom) {
    std::u16string text = u"[Version]\r\nSignature = \"$Windows NT$\"\r\n[Strings]\r\nN = \"caf\u00e9 \U0001F600\"\r\n";
    std::string bytes = "\xFF\xFE";
    for (char16_t u : text) {
        bytes += static_cast<char>(u & 0xFF);
        bytes += static_cast<char>(u >> 8);
    }
    InfFile inf = InfFile::parse(bytes, "u.inf");
    EXPECT_TRUE(inf.diagnostics().empty()) << all_diagnostics(inf);
    EXPECT_EQ(inf.section("Version")->value("Signature"), "$Windows NT$");
    EXPECT_EQ(inf.string("n"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(InfParser, Utf16OddLengthIsReported) {
    std::string bytes = "\xFF\xFE[\0a\0]\0\n\0x\0=\0"s + "1";
    InfFile inf = InfFile::parse(bytes, "u.inf");
    EXPECT_EQ(codes_of(inf), (std::vector<std::string>{"INF1012"}));
    ASSERT_NE(inf.section("a"), nullptr);
}

TEST(InfParser, Utf8BomStripped) {
    InfFile inf = InfFile::parse("\xEF\xBB\xBF[Version]\nx=1\n", "t.inf");
    EXPECT_TRUE(inf.diagnostics().empty()) << all_diagnostics(inf);
    EXPECT_NE(inf.section("Version"), nullptr);
}

TEST(InfParser, Utf16WithoutBomGivesNulHint) {
    std::string bytes = "[\0a\0]\0\n\0x\0=\0\x31\0\n\0"s;
    InfFile inf = InfFile::parse(bytes, "u.inf");
    ASSERT_EQ(codes_of(inf), (std::vector<std::string>{"INF1011"}));
    EXPECT_NE(inf.diagnostics()[0].message.find("byte-order mark"), std::string::npos);
    EXPECT_EQ(inf.section("a")->value("x"), "1");
}

const char* const kLocalized =
    "[a]\nx = %Hello%\n"
    "[Strings]\nHello = \"Hello\"\nOnlyHere = \"base\"\n"
    "[Strings.0407]\nHello = \"Hallo\"\n"
    "[Strings.0007]\nHello = \"Hallo (neutral)\"\n"
    "[Strings.0c0c]\nHello = \"Bonjour (Canada)\"\n"
    "[Strings.040C]\nHello = \"Bonjour\"\n";

std::string hello_for(uint16_t language) {
    ParseOptions options;
    options.language = language;
    InfFile inf = InfFile::parse(kLocalized, "t.inf", options);
    return inf.section("a")->lines.at(0).field(0);
}

TEST(InfParser, LocalizedStringsExactMatchFirst) {
    EXPECT_EQ(hello_for(0x0407), "Hallo");
    EXPECT_EQ(hello_for(0x0c0c), "Bonjour (Canada)");
}

TEST(InfParser, LocalizedStringsThenSublangNeutral) { EXPECT_EQ(hello_for(0x0807), "Hallo (neutral)"); }

TEST(InfParser, LocalizedStringsThenSamePrimaryLanguage) { EXPECT_EQ(hello_for(0x100c), "Bonjour (Canada)"); }

TEST(InfParser, LocalizedStringsThenUndecorated) {
    EXPECT_EQ(hello_for(0x0409), "Hello");
    EXPECT_EQ(hello_for(0x0411), "Hello");
}

TEST(InfParser, LocalizedSectionDoesNotFallBackToUndecorated) {
    ParseOptions options;
    options.language = 0x0407;
    InfFile inf = InfFile::parse("[a]\nx = %OnlyHere%\n"s + "[Strings]\nOnlyHere = base\n[Strings.0407]\nHello = Hallo\n",
                                 "t.inf", options);
    EXPECT_EQ(inf.section("a")->lines.at(0).field(0), "%OnlyHere%");
    ASSERT_EQ(codes_of(inf), (std::vector<std::string>{"INF1007"}));
    EXPECT_EQ(inf.diagnostics()[0].format(),
              "t.inf:2: INF1007: %OnlyHere% is not defined in [Strings.0407] (it is in [Strings], but Windows reads "
              "only the Strings section it selects); kept as written");
    EXPECT_EQ(inf.string("OnlyHere"), std::nullopt);
    EXPECT_EQ(inf.string("hello"), "Hallo");
}

TEST(InfParser, DiridsSubstitutedWhenGiven) {
    ParseOptions options;
    options.dirids = {{12, "/root/drivers"}, {1, "/src"}};
    InfFile inf = InfFile::parse("[a]\nServiceBinary = %12%\\loop.sys\nx = \"%01%\\f\", %11%\\g\n", "t.inf", options);
    EXPECT_TRUE(inf.diagnostics().empty()) << all_diagnostics(inf);
    EXPECT_EQ(inf.section("a")->value("ServiceBinary"), "/root/drivers\\loop.sys");
    EXPECT_EQ(inf.section("a")->lines.at(1).fields, (std::vector<std::string>{"/src\\f", "%11%\\g"}));
    EXPECT_EQ(inf.substitute("%12%|%%|%13%"), "/root/drivers|%|%13%");
}

TEST(InfParser, StringAndSubstituteAccessors) {
    InfFile inf = InfFile::parse("[Strings]\nName = \"  Strata  \"\nList = a, \"b\", c\n", "t.inf");
    EXPECT_EQ(inf.string("NAME"), "  Strata  ");
    EXPECT_EQ(inf.string("list"), "a, b, c");
    EXPECT_EQ(inf.string("missing"), std::nullopt);
    EXPECT_EQ(inf.substitute("[%name%] 100%% %missing%"), "[  Strata  ] 100% %missing%");
}

TEST(InfParser, NoStringsSectionMessage) {
    InfFile inf = InfFile::parse("[a]\nx = %S%\n", "t.inf");
    ASSERT_EQ(inf.diagnostics().size(), 1u);
    EXPECT_EQ(inf.diagnostics()[0].format(), "t.inf:2: INF1007: %S% names no string: the file has no Strings section; kept as written");
}

const char* const kDecorated =
    "[loop.ndi]\nx=base\n[loop.ndi.NT]\nx=nt\n[loop.ndi.NTamd64]\nx=amd64\n"
    "[loop.ndi.NT.Services]\nx=nt-services\n[loop.ndi.Services]\nx=services\n[only]\nx=only\n";

TEST(InfParser, DecoratedPrefersArchitectureThenNtThenBase) {
    InfFile inf = InfFile::parse(kDecorated, "t.inf");
    ASSERT_NE(inf.decorated("loop.ndi"), nullptr);
    EXPECT_EQ(inf.decorated("LOOP.NDI")->value("x"), "amd64");
    EXPECT_EQ(inf.decorated("loop.ndi", ".Services")->value("x"), "nt-services");
    EXPECT_EQ(inf.decorated("only")->value("x"), "only");
    EXPECT_EQ(inf.decorated("none"), nullptr);
    EXPECT_EQ(inf.decorated("only", ".Services"), nullptr);
}

TEST(InfParser, DecoratedUsesArchitectureOption) {
    ParseOptions options;
    options.architecture = "x86";
    InfFile inf = InfFile::parse(kDecorated, "t.inf", options);
    EXPECT_EQ(inf.decorated("loop.ndi")->value("x"), "nt");
}

TEST(InfParser, DiagnosticFormat) {
    Diagnostic with_line{{"a.inf", 7}, "INF1006", Severity::Error, "quoted string is not closed"};
    EXPECT_EQ(with_line.format(), "a.inf:7: INF1006: quoted string is not closed");
    Diagnostic whole_file{{"a.inf", 0}, "INF1012", Severity::Warning, "bad UTF-16"};
    EXPECT_EQ(whole_file.format(), "a.inf: INF1012: bad UTF-16");
}

TEST(InfParser, DiagnosticsInFileOrderWithSeverities) {
    InfFile inf = InfFile::parse("junk\n[a] x\ny = \"open\nz = %U%\n", "t.inf");
    ASSERT_EQ(codes_of(inf), (std::vector<std::string>{"INF1001", "INF1003", "INF1006", "INF1007"}));
    EXPECT_EQ(inf.diagnostics()[0].severity, Severity::Error);
    EXPECT_EQ(inf.diagnostics()[1].severity, Severity::Warning);
    EXPECT_EQ(inf.diagnostics()[0].format(), "t.inf:1: INF1001: 'junk' comes before the first [section] header");
    EXPECT_EQ(inf.diagnostics()[3].where.line, 4u);
}

TEST(InfParser, SyntaxCodeTableIsOrderedAndUnique) {
    std::set<std::string_view> seen;
    int expected = 1001;
    for (const SyntaxCode& code : kSyntaxCodes) {
        EXPECT_EQ(code.code, "INF" + std::to_string(expected++));
        EXPECT_TRUE(seen.insert(code.code).second);
        EXPECT_FALSE(code.summary.empty());
        EXPECT_NE(code.summary.back(), '.');
    }
}

TEST(InfParser, InfIequalsIsAsciiCaseInsensitive) {
    EXPECT_TRUE(inf_iequals("AddReg", "ADDREG"));
    EXPECT_TRUE(inf_iequals("", ""));
    EXPECT_FALSE(inf_iequals("AddReg", "AddRe"));
    EXPECT_FALSE(inf_iequals("\xC3\xA9", "\xC3\x89"));  // é vs É: not ASCII
    EXPECT_FALSE(inf_iequals("a[", "A{"));
}

TEST(InfParser, LoadMissingFileThrowsOneLine) {
    TempDir dir;
    fs::path missing = dir.path() / "missing.inf";
    try {
        InfFile::load(missing);
        FAIL() << "no InfError";
    } catch (const InfError& e) {
        EXPECT_EQ(std::string(e.what()), missing.string() + ": cannot read: No such file or directory");
    }
}

TEST(InfParser, LoadDirectoryThrows) {
    TempDir dir;
    EXPECT_THROW(InfFile::load(dir.path()), InfError);
}

TEST(InfParser, LoadReadsFileAndKeepsName) {
    TempDir dir;
    fs::path file = dir.write("netx.inf", "[Version]\r\nSignature=\"$Windows NT$\"\r\n");
    InfFile inf = InfFile::load(file);
    EXPECT_EQ(inf.file_name(), file.string());
    EXPECT_EQ(inf.path(), file);
    EXPECT_EQ(inf.section("Version")->lines.at(0).where.file, file.string());
    EXPECT_TRUE(inf.included().empty());
}

TEST(InfParser, IncludeAppendsSectionsFromOwnDirectory) {
    TempDir dir;
    dir.write("main.inf",
              "[i.NT]\nInclude = KS.INF\nNeeds = KS.Registration\n[Shared]\nfrom = main\n[Strings]\nS = main\n");
    dir.write("ks.inf",
              "[KS.Registration]\nAddReg = %R%\n[Shared]\nfrom = ks\n[Strings]\nR = \"ks.reg\"\nS = ks\n");
    InfFile inf = InfFile::load(dir.path() / "main.inf");
    EXPECT_TRUE(inf.diagnostics().empty()) << all_diagnostics(inf);
    ASSERT_EQ(inf.included().size(), 1u);
    EXPECT_EQ(inf.included()[0].filename(), "ks.inf");
    const InfSection* reg = inf.section("ks.registration");
    ASSERT_NE(reg, nullptr);
    EXPECT_EQ(reg->value("AddReg"), "ks.reg");  // the included file's own strings
    EXPECT_EQ(reg->lines.at(0).where.file, "KS.INF");
    EXPECT_EQ(reg->lines.at(0).where.line, 2u);
    const InfSection* shared = inf.section("Shared");
    ASSERT_EQ(shared->lines.size(), 2u);
    EXPECT_EQ(shared->lines[0].field(0), "main");
    EXPECT_EQ(shared->lines[1].field(0), "ks");
    EXPECT_EQ(inf.string("S"), "main");  // string() reads the main file's strings
    std::vector<std::string> names;
    for (const InfSection& s : inf.sections()) names.push_back(s.name);
    EXPECT_EQ(names, (std::vector<std::string>{"i.NT", "Shared", "Strings", "KS.Registration"}));
}

TEST(InfParser, IncludeNotFoundIsWarning) {
    TempDir dir;
    dir.write("main.inf", "[i]\nInclude = nowhere.inf\n");
    InfFile inf = InfFile::load(dir.path() / "main.inf");
    ASSERT_EQ(codes_of(inf), (std::vector<std::string>{"INF1014"}));
    EXPECT_EQ(inf.diagnostics()[0].severity, Severity::Warning);
    EXPECT_EQ(inf.diagnostics()[0].where.line, 2u);
    EXPECT_NE(inf.diagnostics()[0].message.find("nowhere.inf"), std::string::npos);
    EXPECT_TRUE(inf.included().empty());
}

TEST(InfParser, IncludeCycleLoadsEachFileOnce) {
    TempDir dir;
    dir.write("a.inf", "[a]\nInclude = b.inf, a.inf\n");
    dir.write("b.inf", "[b]\nInclude = a.inf, b.inf\n[a]\nfrom = b\n");
    InfFile inf = InfFile::load(dir.path() / "a.inf");
    EXPECT_TRUE(inf.diagnostics().empty()) << all_diagnostics(inf);
    ASSERT_EQ(inf.included().size(), 1u);
    EXPECT_EQ(inf.section("a")->lines.size(), 2u);
}

TEST(InfParser, ParseSearchesIncludeDirsOnly) {
    TempDir dir;
    dir.write("sys/wdmaudio.inf", "[WDMAUDIO.Registration]\nx = 1\n[more]\nInclude = nested.inf\n");
    dir.write("sys/nested.inf", "[nested]\ny = 2\n");
    ParseOptions options;
    options.include_dirs = {dir.path() / "sys"};
    InfFile inf = InfFile::parse("[i]\nInclude = wdmaudio.inf\n", "mem.inf", options);
    EXPECT_TRUE(inf.diagnostics().empty()) << all_diagnostics(inf);
    ASSERT_EQ(inf.included().size(), 2u);
    EXPECT_NE(inf.section("WDMAUDIO.Registration"), nullptr);
    EXPECT_NE(inf.section("nested"), nullptr);

    InfFile without = InfFile::parse("[i]\nInclude = wdmaudio.inf\n", "mem.inf");
    EXPECT_EQ(codes_of(without), (std::vector<std::string>{"INF1014"}));
}

TEST(InfParser, IncludedFileDiagnosticsNameThatFile) {
    TempDir dir;
    dir.write("main.inf", "[i]\nInclude = bad.inf\n");
    dir.write("bad.inf", "[x\ny = 1\n");
    InfFile inf = InfFile::load(dir.path() / "main.inf");
    ASSERT_EQ(inf.diagnostics().size(), 1u);
    EXPECT_EQ(inf.diagnostics()[0].format(), "bad.inf:1: INF1002: section header [x has no closing ]");
}

TEST(InfParser, ShippedDriverInfsParseCleanly) {
    for (auto [name, class_name] : {std::pair{"drivers/loop/netloop.inf", "Net"},
                                    std::pair{"drivers/probe/netprobe.inf", "NetTrans"}}) {
        ParseOptions options;
        options.dirids = {{12, "/root/drivers"}};
        InfFile inf = InfFile::load(fs::path(STRATA_SOURCE_DIR) / name, options);
        EXPECT_TRUE(inf.diagnostics().empty()) << name << "\n" << all_diagnostics(inf);
        ASSERT_NE(inf.section("Version"), nullptr) << name;
        EXPECT_EQ(inf.section("Version")->value("Class"), class_name) << name;
    }
    InfFile loop = InfFile::load(fs::path(STRATA_SOURCE_DIR) / "drivers/loop/netloop.inf");
    const InfSection* services = loop.decorated("loop.ndi", ".Services");
    ASSERT_NE(services, nullptr);
    EXPECT_EQ(services->find("AddService")->fields,
              (std::vector<std::string>{"loop", "2", "loop.Service", "loop.EventLog"}));
    EXPECT_EQ(loop.section("loop.EventLog.reg")->lines.at(0).field(4), "%SystemRoot%\\System32\\netevent.dll");
    EXPECT_EQ(loop.section("loop.Service")->value("ServiceBinary"), "%12%\\loop.sys");
    EXPECT_EQ(loop.section("Manufacturer")->lines.at(0).key, "Strata");
}

TEST(InfParser, MessyPackageParsesLikeWindows) {
    const std::string messy =
        "; Copyright (c) Vendor\r\n"
        "\r\n"
        "[Version]   \r\n"
        "Signature\t\t= \"$WINDOWS NT$\"\r\n"
        "Class\t\t= Net\r\n"
        "Provider\t= %V%  \r\n"
        "   \t  \r\n"
        "[Manufacturer]\r\n"
        "%V%=Vendor,NT$ARCH$.10.0...16299\r\n"
        "[Vendor.NT$ARCH$.10.0...16299]\r\n"
        "%Desc%\t=\tinst, PCI\\VEN_8086&DEV_100E\t; Intel\r\n"
        "[inst.reg]\r\n"
        "HKR,,Blob,1,00,01,02,03,\\\r\n"
        "            04,05,06,07,\\\r\n"
        "            08\r\n"
        "[empty]\r\n"
        "[Strings]\r\n"
        "V    = \"Vendor, Inc.\"\r\n"
        "Desc = Vendor Gigabit Adapter\r\n";
    InfFile inf = InfFile::parse(messy, "oem.inf");
    EXPECT_TRUE(inf.diagnostics().empty()) << all_diagnostics(inf);
    EXPECT_EQ(inf.section("version")->value("provider"), "Vendor, Inc.");
    EXPECT_EQ(inf.section("Manufacturer")->lines.at(0).fields,
              (std::vector<std::string>{"Vendor", "NT$ARCH$.10.0...16299"}));
    const InfLine& model = inf.section("Vendor.NT$ARCH$.10.0...16299")->lines.at(0);
    EXPECT_EQ(model.key, "Vendor Gigabit Adapter");
    EXPECT_EQ(model.fields, (std::vector<std::string>{"inst", "PCI\\VEN_8086&DEV_100E"}));
    EXPECT_EQ(inf.section("inst.reg")->lines.at(0).fields.size(), 13u);
    EXPECT_TRUE(inf.section("empty")->lines.empty());
}

TEST(InfParser, RandomBytesNeverThrow) {
    std::mt19937 random(20261122);
    const std::string alphabet = "[]=,;\"%\\\r\n \tab1\x1A\xFF\xFE\xC3\0"s;
    for (int round = 0; round < 300; ++round) {
        std::string bytes;
        std::size_t size = random() % 200;
        for (std::size_t i = 0; i < size; ++i)
            bytes += (random() % 4 == 0) ? static_cast<char>(random() % 256) : alphabet[random() % alphabet.size()];
        if (round % 3 == 0) bytes = "\xFF\xFE" + bytes;
        EXPECT_NO_THROW({
            InfFile inf = InfFile::parse(bytes, "fuzz.inf");
            for (const Diagnostic& d : inf.diagnostics()) EXPECT_FALSE(d.format().empty());
        }) << round;
    }
}

}  // namespace
}  // namespace strata::netcfg
