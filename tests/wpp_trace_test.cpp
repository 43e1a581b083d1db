// wpp_trace_test.cpp — a driver that traces with WPP, built the Windows way with strata_wpp()
// (tests/drivers/wpptrace.c), loads, and its DoTraceMessage lines reach the host log with their
// flag, file and line; WPP_CLEANUP in its DriverUnload ends the session (seeds 000/002).
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "common/log.h"
#include "test_support.h"
#include "verifier/verifier.h"

namespace {

// Debug logging on and stderr captured while it lives.
class CapturedLog {
public:
    CapturedLog() : saved_(strata::log::threshold()) {
        strata::log::set_threshold(strata::log::Level::debug);
        ::testing::internal::CaptureStderr();
    }
    ~CapturedLog() {
        if (!taken_) ::testing::internal::GetCapturedStderr();
        strata::log::set_threshold(saved_);
    }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;
    std::string take() {
        taken_ = true;
        return ::testing::internal::GetCapturedStderr();
    }

private:
    strata::log::Level saved_;
    bool taken_ = false;
};

TEST(Wpp, DriverBuiltWithStrataWppTracesToTheLog) {
    strata::test::TempDir root;
    auto host = strata::test::make_host(root, 1);
    strata::verifier::clear();
    std::string text;
    {
        CapturedLog captured;
        ASSERT_EQ(host->load_driver("test_wpp"), STATUS_SUCCESS) << host->last_error();
        EXPECT_EQ(host->unload_driver("test_wpp"), STATUS_SUCCESS);
        text = captured.take();
    }
    EXPECT_TRUE(std::regex_search(text, std::regex(R"(debug StrataWppTest: \[TRACE_INIT\] wpptrace\.c:\d+ x=42 s=abc)")))
        << text;
    EXPECT_TRUE(std::regex_search(
        text, std::regex(R"(debug StrataWppTest: \[TRACE_IO\] wpptrace\.c:\d+ TraceIo: 1500 bytes, status 0x80000005)")))
        << text;
    EXPECT_TRUE(std::regex_search(text, std::regex(R"(\[TRACE_INIT\] wpptrace\.c:\d+ unloading)"))) << text;
    EXPECT_NE(text.find("WPP tracing for \\Registry\\Machine\\System\\CurrentControlSet\\Services\\test_wpp; control "
                        "StrataWppTest {6f1e2d3c-4b5a-4c7d-8e9f-0a1b2c3d4e5f} flags TRACE_INIT TRACE_IO"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("WPP tracing stopped for StrataWppTest"), std::string::npos) << text;
    EXPECT_EQ(strata::verifier::total(), 0u);
}

}  // namespace
