// string_test.cpp — unit tests for counted strings and their conversions (seed 003 §2.3, §2.4.2).
#include <gtest/gtest.h>

#include <ndis.h>

#include <string>

#include "ntos/pool.h"
#include "ntos/string.h"

namespace strata::ntos {
namespace {

TEST(String, InitCountsBytesWithoutTheNul) {
    UNICODE_STRING u;
    RtlInitUnicodeString(&u, u"eth0");
    EXPECT_EQ(u.Length, 8);
    EXPECT_EQ(u.MaximumLength, 10);
    NdisInitUnicodeString(&u, nullptr);
    EXPECT_EQ(u.Length, 0);
    EXPECT_EQ(u.MaximumLength, 0);
    EXPECT_EQ(u.Buffer, nullptr);
    ANSI_STRING a;
    RtlInitAnsiString(&a, "eth0");
    EXPECT_EQ(a.Length, 4);
    EXPECT_EQ(a.MaximumLength, 5);
    NdisInitAnsiString(&a, "");
    EXPECT_EQ(a.Length, 0);
    EXPECT_EQ(a.MaximumLength, 1);
}

TEST(String, AnsiToUnicodeIntoTheCallersBuffer) {
    ANSI_STRING source;
    RtlInitAnsiString(&source, "caf\xC3\xA9");  // UTF-8: four characters
    WCHAR buffer[5];
    UNICODE_STRING dest{0, sizeof buffer, buffer};
    ASSERT_EQ(NdisAnsiStringToUnicodeString(&dest, &source), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(dest.Length, 8);
    EXPECT_EQ(std::u16string_view(buffer), u"caf\u00E9");

    UNICODE_STRING too_small{0, 8, buffer};  // the text fits, its NUL does not
    EXPECT_EQ(RtlAnsiStringToUnicodeString(&too_small, &source, FALSE), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(NdisAnsiStringToUnicodeString(&too_small, &source), NDIS_STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(too_small.Length, 0);
}

TEST(String, AllocatedConversionsAreFreedBackToThePool) {
    TagUsage before = outstanding_for_tag(kTagString);
    ANSI_STRING source;
    RtlInitAnsiString(&source, "Parameters");
    UNICODE_STRING wide;
    ASSERT_EQ(RtlAnsiStringToUnicodeString(&wide, &source, TRUE), STATUS_SUCCESS);
    EXPECT_EQ(wide.Length, 20);
    EXPECT_EQ(wide.MaximumLength, 22);
    EXPECT_EQ(wide.Buffer[10], 0);
    ANSI_STRING back;
    ASSERT_EQ(RtlUnicodeStringToAnsiString(&back, &wide, TRUE), STATUS_SUCCESS);
    EXPECT_EQ(std::string(back.Buffer, back.Length), "Parameters");
    EXPECT_EQ(back.Buffer[back.Length], '\0');
    EXPECT_EQ(outstanding_for_tag(kTagString).allocations, before.allocations + 2);
    RtlFreeUnicodeString(&wide);
    RtlFreeAnsiString(&back);
    EXPECT_EQ(wide.Buffer, nullptr);
    EXPECT_EQ(outstanding_for_tag(kTagString).allocations, before.allocations);
}

TEST(String, UnicodeToAnsiHonoursMaximumLength) {
    UNICODE_STRING source;
    RtlInitUnicodeString(&source, u"\u00FCber");  // five bytes of UTF-8
    char buffer[6];
    ANSI_STRING dest{0, 5, buffer};
    EXPECT_EQ(NdisUnicodeStringToAnsiString(&dest, &source), NDIS_STATUS_BUFFER_OVERFLOW);
    dest.MaximumLength = 6;
    ASSERT_EQ(NdisUnicodeStringToAnsiString(&dest, &source), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(dest.Length, 5);
    EXPECT_STREQ(buffer, "\xC3\xBC" "ber");
}

TEST(String, CompareAndEqual) {
    UNICODE_STRING a, b, c;
    RtlInitUnicodeString(&a, u"Passthru");
    RtlInitUnicodeString(&b, u"PASSTHRU");
    RtlInitUnicodeString(&c, u"Passthru2");
    EXPECT_TRUE(RtlEqualUnicodeString(&a, &b, TRUE));
    EXPECT_FALSE(RtlEqualUnicodeString(&a, &b, FALSE));
    EXPECT_TRUE(NdisEqualString(&a, &b, TRUE));
    EXPECT_TRUE(NdisEqualUnicodeString(&a, &a, FALSE));
    EXPECT_EQ(RtlCompareUnicodeString(&a, &b, TRUE), 0);
    EXPECT_GT(RtlCompareUnicodeString(&a, &b, FALSE), 0);
    EXPECT_LT(RtlCompareUnicodeString(&a, &c, FALSE), 0);
    STRING x, y;
    RtlInitString(&x, "Miniport");
    RtlInitString(&y, "MINIPORT");
    EXPECT_TRUE(RtlEqualString(&x, &y, TRUE));
    EXPECT_FALSE(RtlEqualString(&x, &y, FALSE));
}

TEST(String, CopyTruncatesAndAppendRefusesToOverflow) {
    WCHAR buffer[6];
    UNICODE_STRING dest{0, sizeof buffer, buffer};
    UNICODE_STRING source;
    RtlInitUnicodeString(&source, u"abcdefgh");
    RtlCopyUnicodeString(&dest, &source);
    EXPECT_EQ(dest.Length, 12);
    EXPECT_EQ(std::u16string_view(buffer, 6), u"abcdef");
    RtlCopyUnicodeString(&dest, nullptr);
    EXPECT_EQ(dest.Length, 0);

    UNICODE_STRING two;
    RtlInitUnicodeString(&two, u"ab");
    EXPECT_EQ(RtlAppendUnicodeStringToString(&dest, &two), STATUS_SUCCESS);
    EXPECT_EQ(RtlAppendUnicodeToString(&dest, u"cd"), STATUS_SUCCESS);
    EXPECT_EQ(std::u16string_view(buffer), u"abcd");
    EXPECT_EQ(RtlAppendUnicodeToString(&dest, u"efg"), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(RtlAppendUnicodeToString(&dest, u"ef"), STATUS_SUCCESS);
    EXPECT_EQ(dest.Length, 12);
    EXPECT_EQ(std::u16string_view(buffer, 6), u"abcdef");
}

TEST(String, Upcase) {
    EXPECT_EQ(RtlUpcaseUnicodeChar(u'a'), u'A');
    EXPECT_EQ(RtlUpcaseUnicodeChar(u'\u00E9'), u'\u00C9');
    EXPECT_EQ(RtlUpcaseUnicodeChar(u'\u0101'), u'\u0100');
    EXPECT_EQ(RtlUpcaseUnicodeChar(u'\u03B1'), u'\u0391');
    EXPECT_EQ(RtlUpcaseUnicodeChar(u'\u0436'), u'\u0416');
    EXPECT_EQ(RtlUpcaseUnicodeChar(u'1'), u'1');
    UNICODE_STRING source;
    RtlInitUnicodeString(&source, u"vEth-\u00E9");
    WCHAR buffer[6];
    UNICODE_STRING dest{0, sizeof buffer, buffer};
    ASSERT_EQ(NdisUpcaseUnicodeString(&dest, &source), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(std::u16string_view(buffer, dest.Length / 2), u"VETH-\u00C9");
    UNICODE_STRING small{0, 4, buffer};
    EXPECT_EQ(NdisUpcaseUnicodeString(&small, &source), NDIS_STATUS_BUFFER_OVERFLOW);
    UNICODE_STRING allocated;
    ASSERT_EQ(RtlUpcaseUnicodeString(&allocated, &source, TRUE), STATUS_SUCCESS);
    EXPECT_EQ(view(allocated), u"VETH-\u00C9");
    RtlFreeUnicodeString(&allocated);
}

TEST(String, IntegersToAndFromText) {
    WCHAR buffer[12];
    UNICODE_STRING text{0, sizeof buffer, buffer};
    ASSERT_EQ(RtlIntegerToUnicodeString(1500, 0, &text), STATUS_SUCCESS);
    EXPECT_EQ(view(text), u"1500");
    ASSERT_EQ(RtlIntegerToUnicodeString(0xBEEF, 16, &text), STATUS_SUCCESS);
    EXPECT_EQ(view(text), u"BEEF");
    UNICODE_STRING tiny{0, 8, buffer};
    EXPECT_EQ(RtlIntegerToUnicodeString(1500, 10, &tiny), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(RtlIntegerToUnicodeString(1, 7, &text), STATUS_INVALID_PARAMETER);

    auto parse = [](const char16_t* s, ULONG base) {
        UNICODE_STRING u;
        RtlInitUnicodeString(&u, s);
        ULONG value = 12345;
        EXPECT_EQ(RtlUnicodeStringToInteger(&u, base, &value), STATUS_SUCCESS);
        return value;
    };
    EXPECT_EQ(parse(u"  1514", 0), 1514u);
    EXPECT_EQ(parse(u"0x5DC", 0), 1500u);
    EXPECT_EQ(parse(u"0b101", 0), 5u);
    EXPECT_EQ(parse(u"ff", 16), 255u);
    EXPECT_EQ(parse(u"-1", 10), 0xFFFFFFFFu);
    EXPECT_EQ(parse(u"12abc", 10), 12u);
    EXPECT_EQ(parse(u"", 10), 0u);
}

TEST(String, NdisInitializeStringAllocatesWhatNdisFreeStringFrees) {
    TagUsage before = outstanding_for_tag(kTagNdisMemory);
    NDIS_STRING s;
    NdisInitializeString(&s, reinterpret_cast<PUCHAR>(const_cast<char*>("Linkage")));
    ASSERT_NE(s.Buffer, nullptr);
    EXPECT_EQ(s.Length, 14);
    EXPECT_EQ(s.MaximumLength, 16);
    EXPECT_EQ(view(s), u"Linkage");
    EXPECT_EQ(outstanding_for_tag(kTagNdisMemory).allocations, before.allocations + 1);
    NdisFreeString(s);
    EXPECT_EQ(outstanding_for_tag(kTagNdisMemory).allocations, before.allocations);
}

TEST(String, Utf8RoundTripsAndReplacesInvalidInput) {
    std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
    std::u16string wide = to_utf16(text);
    EXPECT_EQ(wide, u"a\u00E9\u20AC\U0001F600");
    EXPECT_EQ(to_utf8(wide), text);
    EXPECT_EQ(to_utf16("\xFF" "a\xC3"), u"\uFFFD" "a\uFFFD");
    EXPECT_EQ(to_utf16("\xE0\x80\xAF"), u"\uFFFD\uFFFD\uFFFD");  // overlong
    const char16_t lone[] = {u'x', 0xD800, u'y', 0};
    EXPECT_EQ(to_utf8(std::u16string_view(lone)), "x\xEF\xBF\xBDy");
}

TEST(String, OwnedUnicodeStringKeepsBufferOnItsOwnText) {
    OwnedUnicodeString name("Passthru");
    EXPECT_EQ(name.get().Length, 16);
    EXPECT_EQ(name.get().MaximumLength, 18);
    EXPECT_EQ(name.get().Buffer[8], 0);
    EXPECT_EQ(to_utf8(name.get()), "Passthru");
    OwnedUnicodeString copy = name;
    EXPECT_NE(copy.get().Buffer, name.get().Buffer);
    OwnedUnicodeString moved = std::move(copy);
    EXPECT_EQ(moved.get().Buffer, moved.text().data());
    EXPECT_EQ(moved.utf8(), "Passthru");
    UNICODE_STRING other;
    RtlInitUnicodeString(&other, u"passthru");
    EXPECT_TRUE(RtlEqualUnicodeString(moved.ptr(), &other, TRUE));
    moved = OwnedUnicodeString(u"x");
    EXPECT_EQ(view(moved.get()), u"x");
    EXPECT_THROW(OwnedUnicodeString(std::u16string(40000, u'a')), std::length_error);
}

}  // namespace
}  // namespace strata::ntos
