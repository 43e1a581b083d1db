// wpp_test.cpp — unit tests for the WPP tracing runtime and the per-unit part of strata/wpp.h
// (seeds 000/002: WSK client drivers trace with WPP), compiled here as C++ the way a .tmh
// includes it; tests/wpp_trace_test.cpp loads a C driver built with strata_wpp().
#include <gtest/gtest.h>

#include <wdm.h>

#define WPP_CONTROL_GUIDS \
    WPP_DEFINE_CONTROL_GUID(UnitTrace, (11111111, 2222, 3333, 4444, 555555555555), \
        WPP_DEFINE_BIT(FLAG_ONE) \
        WPP_DEFINE_BIT(FLAG_TWO)) \
    WPP_DEFINE_CONTROL_GUID(OtherTrace, (aaaaaaaa, bbbb, cccc, dddd, eeeeeeeeeeee), \
        WPP_DEFINE_BIT(FLAG_THREE))
#define WPP_THIS_FILE "wpp_test.cpp"
#include <strata/wpp.h>

#include <string>

#include "common/log.h"
#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using testing::VerifierScope;
using verifier::Rule;

static_assert(WPP_BIT_FLAG_ONE == 0 && WPP_BIT_FLAG_TWO == 1 && WPP_BIT_FLAG_THREE == 2 && STRATA_WPP_BIT_COUNT == 3);

// Debug logging on and stderr captured for one test; the text is what was written meanwhile.
class CapturedLog {
public:
    CapturedLog() : saved_(log::threshold()) {
        log::set_threshold(log::Level::debug);
        ::testing::internal::CaptureStderr();
    }
    ~CapturedLog() {
        if (!taken_) ::testing::internal::GetCapturedStderr();
        log::set_threshold(saved_);
    }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;
    std::string take() {
        taken_ = true;
        return ::testing::internal::GetCapturedStderr();
    }

private:
    log::Level saved_;
    bool taken_ = false;
};

UNICODE_STRING registry_path() {
    static WCHAR path[] = u"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\unitwpp";
    return UNICODE_STRING{static_cast<USHORT>(sizeof path - sizeof(WCHAR)), static_cast<USHORT>(sizeof path), path};
}

TEST(Wpp, ControlBlockNamesEveryControlAndFlag) {
    EXPECT_STREQ(StrataWppControl.Controls,
                 "UnitTrace(11111111, 2222, 3333, 4444, 555555555555) FLAG_ONE FLAG_TWO;"
                 "OtherTrace(aaaaaaaa, bbbb, cccc, dddd, eeeeeeeeeeee) FLAG_THREE;");
}

TEST(Wpp, MessagesReachTheLogWithFlagFileAndLine) {
    VerifierScope verifier;
    UNICODE_STRING path = registry_path();
    DRIVER_OBJECT driver{};
    CapturedLog captured;
    DoTraceMessage(FLAG_ONE, "before init");  // no session yet: dropped
    WPP_INIT_TRACING(&driver, &path);
    int line = __LINE__ + 1;
    DoTraceMessage(FLAG_TWO, "x=%d s=%s %wZ", 7, "seven", &path);
    int line2 = __LINE__ + 1;
    DoTraceMessage(FLAG_THREE, "%!FUNC! %!STATUS! %!IPADDR! 100%% %!LINE!", STATUS_CANCELLED, 0x7f000001ULL);
    WPP_CLEANUP(&driver);
    DoTraceMessage(FLAG_ONE, "after cleanup");  // dropped again
    std::string text = captured.take();

    std::string expected = "debug UnitTrace: [FLAG_TWO] wpp_test.cpp:" + std::to_string(line) +
                           " x=7 s=seven \\Registry\\Machine\\System\\CurrentControlSet\\Services\\unitwpp";
    EXPECT_NE(text.find(expected), std::string::npos) << text;
    expected = "debug OtherTrace: [FLAG_THREE] wpp_test.cpp:" + std::to_string(line2) + " TestBody 0xC0000120 " +
               "IPADDR:0x7f000001 100% " + std::to_string(line2);
    EXPECT_NE(text.find(expected), std::string::npos) << text;
    EXPECT_EQ(text.find("before init"), std::string::npos);
    EXPECT_EQ(text.find("after cleanup"), std::string::npos);
    EXPECT_NE(text.find("control UnitTrace {11111111-2222-3333-4444-555555555555} flags FLAG_ONE FLAG_TWO; "
                        "control OtherTrace {aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee} flags FLAG_THREE"),
              std::string::npos)
        << text;
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(Wpp, CleanupWithoutInitAndInitTwiceAreReported) {
    VerifierScope verifier;
    UNICODE_STRING path = registry_path();
    DRIVER_OBJECT driver{};
    WPP_CLEANUP(&driver);
    WPP_INIT_TRACING(&driver, &path);
    WPP_INIT_TRACING(&driver, &path);
    WPP_CLEANUP(&driver);
    EXPECT_EQ(StrataWppControl.Session, nullptr);
    EXPECT_EQ(verifier::count(Rule::BadCall), 2u);
}

}  // namespace
}  // namespace strata::ntos
