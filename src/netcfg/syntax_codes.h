// syntax_codes.h — the INF1xxx findings the INF parser reports (seed 003 ch. 4; Microsoft's
// "General Syntax Rules for INF Files" and "INF Strings Section"). Codes are stable: a code is
// never renumbered or reused, new ones are appended. docs/lint.md is written from kSyntaxCodes.
#pragma once

#include <array>
#include <string_view>

#include "netcfg/diagnostic.h"

namespace strata::netcfg {

struct SyntaxCode {
    std::string_view code;
    Severity severity;
    std::string_view summary;  // one line, no trailing period
};

namespace syntax {

inline constexpr SyntaxCode kLineOutsideSection{
    "INF1001", Severity::Error,
    "a line comes before the first [section] header; Windows refuses such an INF (ERROR_EXPECTED_SECTION_NAME)"};
inline constexpr SyntaxCode kUnclosedSectionHeader{
    "INF1002", Severity::Error,
    "a section header has no closing ]; the rest of the line (comment removed) is taken as the name"};
inline constexpr SyntaxCode kTextAfterSectionHeader{
    "INF1003", Severity::Warning,
    "text after the closing ] of a section header (other than a comment) is ignored"};
inline constexpr SyntaxCode kEmptySectionName{
    "INF1004", Severity::Error,
    "a section header [] names no section"};
inline constexpr SyntaxCode kSectionNameTooLong{
    "INF1005", Severity::Error,
    "a section name is longer than the 255 characters Windows allows"};
inline constexpr SyntaxCode kUnterminatedQuote{
    "INF1006", Severity::Error,
    "a quoted string is not closed on its line; it ends at the end of the line"};
inline constexpr SyntaxCode kUnknownStringKey{
    "INF1007", Severity::Warning,
    "a %strkey% token names no string in the Strings section Windows selects; it is kept as written"};
inline constexpr SyntaxCode kFieldTooLong{
    "INF1008", Severity::Error,
    "a field is longer than 4095 characters (4096 with its terminating NUL) before string substitution"};
inline constexpr SyntaxCode kSubstitutedTooLong{
    "INF1009", Severity::Error,
    "a field is longer than 4095 characters (4096 with its terminating NUL) after string substitution"};
inline constexpr SyntaxCode kStringValueTooLong{
    "INF1010", Severity::Error,
    "a Strings value is longer than 4095 characters (4096 with its terminating NUL)"};
inline constexpr SyntaxCode kNulCharacter{
    "INF1011", Severity::Warning,
    "the file contains NUL characters; they are ignored"};
inline constexpr SyntaxCode kInvalidUtf16{
    "INF1012", Severity::Warning,
    "a UTF-16 file has an odd byte count or an unpaired surrogate; replaced by U+FFFD"};
inline constexpr SyntaxCode kContinuationAtEnd{
    "INF1013", Severity::Warning,
    "the last line of the file ends with a continuation backslash; there is nothing to join"};
inline constexpr SyntaxCode kIncludeNotFound{
    "INF1014", Severity::Warning,
    "an Include= file is in none of the searched directories; it is skipped, as Windows skips missing system INFs"};
inline constexpr SyntaxCode kDuplicateStringKey{
    "INF1015", Severity::Warning,
    "a string key is defined twice in one Strings section; the first definition is used"};
inline constexpr SyntaxCode kStringWithoutKey{
    "INF1016", Severity::Warning,
    "a line in a Strings section has no '='; it defines no string"};
inline constexpr SyntaxCode kBadLanguageId{
    "INF1017", Severity::Warning,
    "a [Strings.suffix] section's suffix is not a hexadecimal LANGID; Windows never selects it"};
inline constexpr SyntaxCode kLonePercent{
    "INF1018", Severity::Warning,
    "a single % starts no %strkey% token; write %% for a literal percent sign"};

}  // namespace syntax

// Every code, in order, for the linter's documentation and `strata lint --list`.
inline constexpr std::array kSyntaxCodes{
    syntax::kLineOutsideSection, syntax::kUnclosedSectionHeader, syntax::kTextAfterSectionHeader,
    syntax::kEmptySectionName,   syntax::kSectionNameTooLong,    syntax::kUnterminatedQuote,
    syntax::kUnknownStringKey,   syntax::kFieldTooLong,          syntax::kSubstitutedTooLong,
    syntax::kStringValueTooLong, syntax::kNulCharacter,          syntax::kInvalidUtf16,
    syntax::kContinuationAtEnd,  syntax::kIncludeNotFound,       syntax::kDuplicateStringKey,
    syntax::kStringWithoutKey,   syntax::kBadLanguageId,         syntax::kLonePercent,
};

// A finding with `code`'s code and severity.
inline Diagnostic make_diagnostic(const SyntaxCode& code, SourceLocation where, std::string message) {
    return Diagnostic{std::move(where), std::string(code.code), code.severity, std::move(message)};
}

}  // namespace strata::netcfg
