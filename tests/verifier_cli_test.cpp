// verifier_cli_test.cpp — `strata verifier` end to end (issue 7 §4): reports from a running host
// and from the file a stopped one leaves, the tag leak at unload, fault injection into a
// driver's bind, the registry switch, and the one-line bad-input errors. Runs the built strata
// command against a temporary root; test_vfleak.sys (tests/drivers/vfleak.c) is the driver with
// known mistakes, loop and probe the drivers a fault is injected into. Also: docs/verifier.md's
// IRQL table covers every export.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"

namespace {

using Result = strata::test::CliResult;

class VerifierCli : public strata::test::CliHarness {
protected:
    // The running host with test_vfleak loaded: its DriverEntry freed a block with a wrong tag.
    void start_with_vfleak() {
        ASSERT_EQ(run({"sc", "create", "vfleak", "--binary", driver_file("test_vfleak.sys")}).status, 0);
        ASSERT_EQ(run({"start"}).status, 0);
        Result started = run({"sc", "start", "vfleak"});
        ASSERT_EQ(started.status, 0) << started.err;
    }

    static std::vector<nlohmann::json> reports_of(const nlohmann::json& reply, const std::string& driver,
                                                  const std::string& rule) {
        std::vector<nlohmann::json> found;
        for (const auto& r : reply["reports"])
            if (r.value("driver", "") == driver && r.value("rule", "") == rule) found.push_back(r);
        return found;
    }

    // The binding path id of probe over the adapter named `adapter`.
    std::string probe_path(const std::string& adapter) {
        for (const auto& path : json({"bindings"})) {
            const auto& edges = path["edges"];
            if (edges.size() == 1 && edges[0].value("service", "") == "probe" && edges[0].value("lower", "") == adapter)
                return path.value("path", "");
        }
        return {};
    }
};

TEST_F(VerifierCli, ReportFromTheRunningHostNamesDriverRuleObjectAndBacktrace) {
    start_with_vfleak();
    nlohmann::json reply = json({"verifier", "report"});
    std::vector<nlohmann::json> bad = reports_of(reply, "vfleak", "BadCall");
    ASSERT_EQ(bad.size(), 1u) << reply.dump(2);
    EXPECT_NE(bad[0].value("message", "").find("ExFreePoolWithTag: freed with tag 7268744F but allocated with tag 6B61654C"),
              std::string::npos)
        << bad[0].dump();
    EXPECT_TRUE(bad[0].value("object", "").starts_with("0x")) << bad[0].dump();
    bool driver_frame = false;
    for (const auto& frame : bad[0]["backtrace"]) driver_frame |= frame.get<std::string>().find("test_vfleak.sys") != std::string::npos;
    EXPECT_TRUE(driver_frame) << bad[0]["backtrace"].dump(2);

    Result text = run({"verifier", "report"});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("driver vfleak: 1 report(s)"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("  BadCall: 1"), std::string::npos) << text.out;
}

TEST_F(VerifierCli, TagLeakAtUnloadIsReportedAndSurvivesTheHostInTheReportFile) {
    start_with_vfleak();
    ASSERT_EQ(run({"sc", "stop", "vfleak"}).status, 0);
    std::vector<nlohmann::json> leaks = reports_of(json({"verifier", "report"}), "vfleak", "TagLeak");
    ASSERT_EQ(leaks.size(), 1u);
    EXPECT_NE(leaks[0].value("message", "").find("tag 'Leak' (6B61654C): 1 block(s), 48 bytes not freed at unload"),
              std::string::npos)
        << leaks[0].dump();

    Result stop = run({"stop"});
    EXPECT_EQ(stop.status, 1);  // a leak is a failure at run time, as leaked pool descriptors are
    EXPECT_NE(stop.out.find("driver vfleak: tag 'Leak' leaked 1 block(s), 48 bytes"), std::string::npos) << stop.out;
    EXPECT_EQ(stop.err, "strata: drivers leaked pool memory at unload\n");
    nlohmann::json stop_report = nlohmann::json::parse(read_file(root_ / "stop-report.json"), nullptr, false);
    ASSERT_TRUE(stop_report.contains("tag_leaks")) << stop_report.dump();
    ASSERT_EQ(stop_report["tag_leaks"].size(), 1u) << stop_report.dump();
    EXPECT_EQ(stop_report["tag_leaks"][0], (nlohmann::json{{"driver", "vfleak"}, {"tag", "Leak"}, {"blocks", 1}, {"bytes", 48}}));

    // No host now: the report comes from the file the host wrote at stop.
    nlohmann::json after = json({"verifier", "report"});
    EXPECT_EQ(reports_of(after, "vfleak", "TagLeak").size(), 1u) << after.dump(2);
    EXPECT_EQ(reports_of(after, "vfleak", "BadCall").size(), 1u) << after.dump(2);
    Result text = run({"verifier", "report"});
    EXPECT_NE(text.out.find("the host stopped last"), std::string::npos) << text.out;
}

TEST_F(VerifierCli, NdisAllocatePacketPoolFailingInProbeBindIsAOneLineFailure) {
    install_loop_and_probe();
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "a"}).status, 0);
    ASSERT_EQ(run({"start"}).status, 0);
    std::string path = probe_path("a");
    ASSERT_FALSE(path.empty());
    ASSERT_EQ(run({"bind", "disable", path}).status, 0);

    Result armed = run({"verifier", "fault", "--call", "NdisAllocatePacketPool", "--every", "1"});
    ASSERT_EQ(armed.status, 0) << armed.err;
    Result bind = run({"bind", "enable", path});
    EXPECT_NE(bind.err.find("ProtocolBindAdapter failed with NDIS_STATUS_RESOURCES (0xC000009A)"), std::string::npos)
        << bind.err;
    EXPECT_TRUE(one_line(bind.err)) << bind.err;

    nlohmann::json list = json({"verifier", "fault", "--list"});
    ASSERT_EQ(list.size(), 1u) << list.dump();
    EXPECT_EQ(list[0].value("call", ""), "NdisAllocatePacketPool");
    EXPECT_EQ(list[0].value("every", 0), 1);
    EXPECT_EQ(list[0].value("injected", 0), 1);  // probe gives up at its first pool

    ASSERT_EQ(json({"verifier", "fault", "--clear"}).size(), 0u);
    ASSERT_EQ(run({"bind", "disable", path}).status, 0);
    Result again = run({"bind", "enable", path});
    EXPECT_EQ(again.status, 0);
    EXPECT_EQ(again.err, "");
}

TEST_F(VerifierCli, ProbabilityWithASeedListsItsRuleAndClearOneCall) {
    ASSERT_EQ(run({"start"}).status, 0);
    ASSERT_EQ(run({"verifier", "fault", "--call", "NdisRequest", "--probability", "0.25", "--seed", "7"}).status, 0);
    ASSERT_EQ(run({"verifier", "fault", "--call", "ndisallocatebuffer", "--every", "3"}).status, 0);
    nlohmann::json list = json({"verifier", "fault", "--list"});
    ASSERT_EQ(list.size(), 2u) << list.dump();
    EXPECT_EQ(list[0].value("call", ""), "NdisAllocateBuffer");
    EXPECT_EQ(list[0].value("every", 0), 3);
    EXPECT_EQ(list[1].value("call", ""), "NdisRequest");
    EXPECT_DOUBLE_EQ(list[1].value("probability", 0.0), 0.25);
    EXPECT_EQ(list[1].value("seed", 0), 7);
    nlohmann::json left = json({"verifier", "fault", "--clear", "--call", "NdisRequest"});
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].value("call", ""), "NdisAllocateBuffer");
}

TEST_F(VerifierCli, RegistrySwitchTurnsTheVerifierOnForListedDriversAtTheNextStart) {
    ASSERT_EQ(run({"verifier", "enable", "--driver", "vfleak.sys", "--driver", "probe"}).status, 0);
    nlohmann::json query = json({"verifier", "query"});
    EXPECT_EQ(query["registry"], (nlohmann::json{{"all", false}, {"drivers", {"vfleak.sys", "probe.sys"}}}));
    EXPECT_TRUE(query["host"].is_null());
    ASSERT_EQ(run({"start"}).status, 0);
    query = json({"verifier", "query"});
    EXPECT_EQ(query["host"].value("enabled", false), true) << query.dump();
    EXPECT_EQ(query["host"].value("all", true), false) << query.dump();
    ASSERT_EQ(run({"stop"}).status, 0);

    ASSERT_EQ(run({"verifier", "disable"}).status, 0);
    EXPECT_TRUE(json({"verifier", "query"})["registry"].is_null());
    ASSERT_EQ(run({"verifier", "enable", "--all"}).status, 0);
    ASSERT_EQ(run({"start"}).status, 0);
    query = json({"verifier", "query"});
    EXPECT_EQ(query["host"].value("all", false), true) << query.dump();
}

TEST_F(VerifierCli, BadInputIsOneLineAndExitTwo) {
    ASSERT_EQ(run({"start"}).status, 0);
    const std::vector<std::vector<std::string>> bad = {
        {"verifier", "fault", "--call", "NdisAllocateNothing", "--every", "1"},
        {"verifier", "fault", "--call", "NdisRequest"},
        {"verifier", "fault", "--call", "NdisRequest", "--every", "2", "--probability", "0.5"},
        {"verifier", "fault", "--call", "NdisRequest", "--probability", "0"},
        {"verifier", "fault", "--call", "NdisRequest", "--probability", "1.5"},
        {"verifier", "fault", "--call", "NdisRequest", "--every", "0"},
        {"verifier", "fault", "--call", "NdisRequest", "--every", "many"},
        {"verifier", "fault", "--clear", "--every", "1"},
        {"verifier", "fault", "--clear", "--call", "Nope"},
        {"verifier", "enable"},
        {"verifier", "enable", "--all", "--driver", "probe.sys"},
        {"verifier", "enable", "--driver", "a b.sys"},
    };
    for (const auto& args : bad) {
        Result r = run(args);
        std::string shown;
        for (const auto& a : args) shown += a + " ";
        EXPECT_EQ(r.status, 2) << shown;
        EXPECT_TRUE(one_line(r.err)) << shown << ": " << r.err;
    }
    EXPECT_EQ(json({"verifier", "fault", "--list"}).size(), 0u);  // nothing armed by any of them
    EXPECT_TRUE(json({"verifier", "query"})["registry"].is_null());  // nor the switch written
    ASSERT_EQ(run({"stop"}).status, 0);
    EXPECT_EQ(json({"verifier", "fault", "--list"}).size(), 0u) << "nothing stored for the next start either";
}

// A rule given while no host runs waits in the registry (VerifierFaultRules) and is armed before
// the next start loads any driver, so a DriverEntry's call can be failed; --clear forgets it. A
// malformed stored rule stops the start with one line naming the value and the entry.
TEST_F(VerifierCli, StoredRuleFailsADriverEntryAtTheNextStart) {
    install_loop_and_probe();
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "a"}).status, 0);
    Result stored = run({"verifier", "fault", "--call", "NdisRegisterProtocol", "--every", "1"});
    ASSERT_EQ(stored.status, 0) << stored.err;
    EXPECT_NE(stored.out.find("NdisRegisterProtocol every=1 seed=0 stored in the registry"), std::string::npos)
        << stored.out;
    nlohmann::json query = json({"verifier", "query"});
    ASSERT_EQ(query["stored_faults"].size(), 1u) << query.dump();
    EXPECT_EQ(query["stored_faults"][0].value("call", ""), "NdisRegisterProtocol");

    Result start = run({"start"});
    EXPECT_EQ(start.status, 2);
    EXPECT_NE(start.err.find("service probe: "), std::string::npos) << start.err;
    EXPECT_NE(start.err.find("DriverEntry returned 0xC000009A"), std::string::npos) << start.err;
    EXPECT_TRUE(one_line(start.err)) << start.err;

    Result cleared = run({"verifier", "fault", "--clear"});
    EXPECT_EQ(cleared.status, 0) << cleared.err;
    EXPECT_NE(cleared.out.find("cleared from the registry"), std::string::npos) << cleared.out;
    ASSERT_EQ(run({"start"}).status, 0);
    EXPECT_EQ(json({"verifier", "fault", "--list"}).size(), 0u);
    ASSERT_EQ(run({"stop"}).status, 0);

    ASSERT_EQ(run({"reg", "add", "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory Management", "/v",
                   "VerifierFaultRules", "/t", "REG_MULTI_SZ", "/d", "NdisRequest every=0", "/f"})
                  .status,
              0);
    Result bad = run({"start"});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("Memory Management\\VerifierFaultRules entry 1 \"NdisRequest every=0\""), std::string::npos)
        << bad.err;
    EXPECT_TRUE(one_line(bad.err)) << bad.err;
    EXPECT_EQ(run({"status"}).status, 3) << "no host is left running";
    Result listed = run({"verifier", "fault", "--list"});
    EXPECT_EQ(listed.status, 2) << "the stored value is named here too";
    EXPECT_TRUE(one_line(listed.err)) << listed.err;
}

// docs/verifier.md's IRQL table lists every extern "C" function of src/ with the IRQL its
// comment gives (tools/irql_table.py --check names what is missing, gone or different).
TEST(IrqlTable, EveryExportIsInDocsVerifierMd) {
    std::string command = "python3 " STRATA_SOURCE_DIR "/tools/irql_table.py --check " STRATA_SOURCE_DIR " 2>&1";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char chunk[512];
    while (std::fgets(chunk, sizeof chunk, pipe) != nullptr) output += chunk;
    int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << output;
    EXPECT_EQ(output, "");
}

}  // namespace
