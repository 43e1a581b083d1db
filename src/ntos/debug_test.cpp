// debug_test.cpp — unit tests for DbgPrint's format dialect, assertions, breakpoints, PAGED_CODE,
// the error log and bug checks (seed 003 §2.1, §2.3).
#include <gtest/gtest.h>

#include <ndis.h>

#include <cstdarg>
#include <string>

#include "common/log.h"
#include "ntos/dbg_format.h"
#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using testing::VerifierScope;
using verifier::Rule;

std::string format(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::string out = format_windows(fmt, args);
    va_end(args);
    return out;
}

TEST(DbgPrint, FormatsCConversions) {
    EXPECT_EQ(format("%d|%5u|%-4x|%08X|%%|%c|%.2f", -3, 7u, 0xab, 0xBEEFu, 'z', 1.5), "-3|    7|ab  |0000BEEF|%|z|1.50");
    EXPECT_EQ(format("%s/%.3s/%*d", "ab", "abcdef", 4, 9), "ab/abc/   9");
    EXPECT_EQ(format("%I64u %I64x %lld %zu", 1ULL << 40, 0xFULL, -5LL, size_t{12}), "1099511627776 f -5 12");
    EXPECT_EQ(format("%s", static_cast<const char*>(nullptr)), "(null)");
    EXPECT_EQ(format("trailing %"), "trailing %");
}

TEST(DbgPrint, FormatsSixteenBitWideStrings) {
    const WCHAR* wide = u"Adapter \u00E9";
    EXPECT_EQ(format("[%ws] [%ls] [%S]", wide, wide, wide), "[Adapter \xC3\xA9] [Adapter \xC3\xA9] [Adapter \xC3\xA9]");
    EXPECT_EQ(format("%.3ws|%-6ws|", wide, u"ab"), "Ada|ab    |");
    EXPECT_EQ(format("%wc%C", static_cast<int>(u'x'), static_cast<int>(u'y')), "xy");
}

TEST(DbgPrint, FormatsCountedStrings) {
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, u"\\Device\\Passthru");
    ANSI_STRING a;
    RtlInitAnsiString(&a, "ansi");
    EXPECT_EQ(format("%wZ %Z", &u, &a), "\\Device\\Passthru ansi");
    EXPECT_EQ(format("%wZ", static_cast<PUNICODE_STRING>(nullptr)), "(null)");
}

TEST(DbgPrint, PrintingDoesNotFailAtAnyLevel) {
    log::Level saved = log::threshold();
    log::set_threshold(log::Level::error);  // formatted and logged at debug, not printed
    EXPECT_EQ(DbgPrint("value %d %s\n", 1, "x"), static_cast<ULONG>(STATUS_SUCCESS));
    EXPECT_EQ(DbgPrintEx(0, 0, "value %d\n", 2), static_cast<ULONG>(STATUS_SUCCESS));
    log::set_threshold(saved);
}

TEST(Debug, FailedAssertionIsReportedWithItsExpression) {
    VerifierScope verifier;
    RtlAssert(const_cast<char*>("Packet != NULL"), const_cast<char*>("miniport.c"), 42, nullptr);
    ASSERT_EQ(verifier::count(Rule::BadCall), 1u);
    std::string message = verifier::reports().at(0).message;
    EXPECT_NE(message.find("Packet != NULL"), std::string::npos);
    EXPECT_NE(message.find("miniport.c:42"), std::string::npos);
}

TEST(Debug, BreakPointIsReportedAndContinues) {
    VerifierScope verifier;
    DbgBreakPoint();
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
}

TEST(Debug, PagedCodeAboveApcLevelIsReported) {
    VerifierScope verifier;
    StrataCheckPagedCode("PassthruBind");
    EXPECT_EQ(verifier::total(), 0u);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    StrataCheckPagedCode("PassthruBind");
    KeLowerIrql(old);
    ASSERT_EQ(verifier::count(Rule::IrqlTooHigh), 1u);
    EXPECT_NE(verifier::reports().at(0).message.find("PassthruBind"), std::string::npos);
}

TEST(Debug, ErrorLogEntryNamesAdapterCodeAndValues) {
    int adapter = 0;
    NdisWriteErrorLogEntry(&adapter, NDIS_ERROR_CODE_HARDWARE_FAILURE, 2, 0x11u, 0xCAFEu);
    std::string last = log::recent().back();
    EXPECT_NE(last.find("0xC000138A"), std::string::npos);
    EXPECT_NE(last.find("HARDWARE_FAILURE"), std::string::npos);
    EXPECT_NE(last.find("0x00000011 0x0000CAFE"), std::string::npos);
    char pointer[32];
    std::snprintf(pointer, sizeof pointer, "%p", static_cast<void*>(&adapter));
    EXPECT_NE(last.find(pointer), std::string::npos);
}

TEST(DebugDeathTest, BugCheckLogsAndAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(KeBugCheckEx(0xE2, 1, 2, 3, 4), "KeBugCheckEx 0x000000E2");
}

}  // namespace
}  // namespace strata::ntos
