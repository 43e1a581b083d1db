// cli_test.cpp — the strata command end to end (issue 3 "How it is checked"): from an empty
// root, install the loop and probe INF files, add two loop devices on one wire, start the host,
// send probe traffic, read the JSON statistics, stop; and every bad input the issue lists gives
// a one-line message, exit 2 and an unchanged registry. Runs the built binary as a user would.
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"

namespace {

namespace fs = std::filesystem;

using Result = strata::test::CliResult;

class Cli : public strata::test::CliHarness {
protected:
    // The whole registry as .reg text (or the error saying it is empty), to compare before/after.
    std::string registry_text() {
        Result r = run({"reg", "export", "HKLM"});
        return std::to_string(r.status) + r.out + r.err;
    }
};

// Issue 4 "How it is checked" (seed 003 §2.4, §2.8, §4.2.7.13): from an empty root, loop, probe
// and the passthru IM from their INF files; two loop devices on one wire; the binding engine puts
// passthru over both; a million frames arrive complete and in order through it; `strata stop`
// finds every pool balanced.
TEST_F(Cli, PassthruOverTwoLoopDevicesCarriesAMillionFramesAndStopFindsPoolsBalanced) {
    install_loop_and_probe();
    ASSERT_EQ(run({"install", driver_file("netpassthru.inf")}).status, 0);
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e0", "--param", "Wire=7"}).status, 0);
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e1", "--param", "Wire=7"}).status, 0);
    Result paths = run({"bindings"});
    ASSERT_EQ(paths.status, 0) << paths.err;
    for (const char* path : {"strata_probe -> passthru-e0 -> strata_passthru -> e0",
                             "strata_probe -> passthru-e1 -> strata_passthru -> e1"})
        EXPECT_NE(paths.out.find(std::string("enabled  ") + path), std::string::npos) << paths.out;

    Result start = run({"start"});
    ASSERT_EQ(start.status, 0) << start.err;
    Result send = run({"probe", "send", "e0", "--count", "1000000", "--size", "256", "--batch", "32"});
    ASSERT_EQ(send.status, 0) << send.err;
    nlohmann::json probe = json({"probe", "stats"});
    ASSERT_TRUE(probe.is_array());
    ASSERT_EQ(probe.size(), 2u);
    for (const auto& binding : probe) {
        if (binding["adapter"] == "passthru-e0") {
            EXPECT_EQ(binding["sent"], 1000000);
        } else {
            EXPECT_EQ(binding["adapter"], "passthru-e1");
            EXPECT_EQ(binding["received"], 1000000);
            EXPECT_EQ(binding["in_order"], 1000000);
            EXPECT_EQ(binding["corrupt"], 0);
            EXPECT_EQ(binding["dropped"], 0);
        }
    }
    Result stop = run({"stop"});
    EXPECT_EQ(stop.status, 0) << stop.out << stop.err;
    EXPECT_NE(stop.out.find("every packet and buffer pool balanced"), std::string::npos) << stop.out;
    // Issue 7 part 3: every send of the host's life completed or failed, per protocol (the probe's
    // million, and passthru's passing each of them down).
    EXPECT_NE(stop.out.find(" 0 unaccounted for"), std::string::npos) << stop.out;
    nlohmann::json sends = nlohmann::json::parse(read_file(root_ / "stop-report.json"), nullptr, false)["sends"];
    ASSERT_TRUE(sends.is_object()) << read_file(root_ / "stop-report.json");
    EXPECT_EQ(sends["unaccounted"], 0);
    for (const char* protocol : {"probe", "passthru"}) {
        const nlohmann::json& tally = sends["protocols"][protocol];
        EXPECT_EQ(tally["requested"], 1000000) << protocol << ": " << sends.dump();
        EXPECT_EQ(tally["completed"], 1000000) << protocol;
        EXPECT_EQ(tally["failed"], 0) << protocol;
    }
}

TEST_F(Cli, InstallTwoDevicesStartSendStatsStop) {
    install_loop_and_probe();
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "a"}).status, 0);
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "b", "--param", "Wire=0"}).status, 0);
    nlohmann::json paths = json({"bindings"});
    ASSERT_TRUE(paths.is_array());
    EXPECT_EQ(paths.size(), 2u);

    Result start = run({"start"});
    ASSERT_EQ(start.status, 0) << start.err;
    Result send = run({"probe", "send", "a", "--count", "100000", "--size", "128"});
    ASSERT_EQ(send.status, 0) << send.err;

    nlohmann::json probe = json({"probe", "stats"});
    ASSERT_TRUE(probe.is_array());
    ASSERT_EQ(probe.size(), 2u);
    for (const auto& binding : probe) {
        if (binding["adapter"] == "a") {
            EXPECT_EQ(binding["sent"], 100000);
        } else {
            EXPECT_EQ(binding["adapter"], "b");
            EXPECT_EQ(binding["received"], 100000);
            EXPECT_EQ(binding["in_order"], 100000);
            EXPECT_EQ(binding["corrupt"], 0);
        }
    }
    nlohmann::json stats = json({"stats"});
    ASSERT_EQ(stats["adapters"].size(), 2u);
    for (const auto& adapter : stats["adapters"]) {
        ASSERT_EQ(adapter["bindings"].size(), 1u);
        if (adapter["name"] == "a") {
            EXPECT_EQ(adapter["counters"]["sent_packets"], 100000);
        } else {
            EXPECT_EQ(adapter["bindings"][0]["counters"]["received_packets"], 100000);
        }
    }
    EXPECT_EQ(run({"stop"}).status, 0);
    EXPECT_EQ(run({"status"}).status, 3);
}

TEST_F(Cli, SecondStartIsRefused) {
    install_loop_and_probe();
    ASSERT_EQ(run({"start"}).status, 0);
    Result second = run({"start"});
    EXPECT_EQ(second.status, 2);
    EXPECT_TRUE(one_line(second.err)) << second.err;
    EXPECT_NE(second.err.find("already running"), std::string::npos) << second.err;
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(Cli, UnknownHardwareIdIsRefusedAndRegistryUnchanged) {
    install_loop_and_probe();
    std::string before = registry_text();
    Result r = run({"device", "add", "strata_nosuch"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_NE(r.err.find("strata_nosuch"), std::string::npos) << r.err;
    EXPECT_EQ(registry_text(), before);
}

TEST_F(Cli, MissingDriverFileIsRefusedAndRegistryUnchanged) {
    fs::create_directories(dir_ / "package");
    fs::copy_file(driver_file("netloop.inf"), dir_ / "package" / "netloop.inf");
    std::string before = registry_text();
    Result r = run({"install", (dir_ / "package" / "netloop.inf").string()});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_NE(r.err.find("loop.sys"), std::string::npos) << r.err;
    EXPECT_EQ(registry_text(), before);
    EXPECT_FALSE(fs::exists(root_ / "drivers" / "loop.sys"));
}

TEST_F(Cli, ParameterOutOfRangeIsRefusedAndRegistryUnchanged) {
    install_loop_and_probe();
    std::string before = registry_text();
    Result r = run({"device", "add", "strata_loop", "--param", "TxRingSize=5000"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_NE(r.err.find("TxRingSize"), std::string::npos) << r.err;
    EXPECT_EQ(registry_text(), before);
}

TEST_F(Cli, FailingDriverEntryStopsTheStart) {
    ASSERT_EQ(run({"install", driver_file("netfailentry.inf")}).status, 0);
    ASSERT_EQ(run({"device", "add", "strata_failentry", "--name", "broken"}).status, 0);
    std::string before = registry_text();
    Result r = run({"start"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_NE(r.err.find("test_failentry"), std::string::npos) << r.err;
    EXPECT_EQ(run({"status"}).status, 3);
    EXPECT_EQ(registry_text(), before);
}

TEST_F(Cli, DeviceTheRunningHostCannotStartIsTakenBack) {
    ASSERT_EQ(run({"install", driver_file("netfailentry.inf")}).status, 0);
    ASSERT_EQ(run({"start"}).status, 0);
    std::string before = registry_text();
    Result r = run({"device", "add", "strata_failentry", "--name", "broken"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_NE(r.err.find("test_failentry"), std::string::npos) << r.err;
    EXPECT_EQ(registry_text(), before);
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(Cli, UnknownAdaptersAndServicesAreNamed) {
    install_loop_and_probe();
    ASSERT_EQ(run({"start"}).status, 0);
    for (std::vector<std::string> args : {std::vector<std::string>{"probe", "send", "nosuch"},
                                          std::vector<std::string>{"device", "remove", "nosuch"},
                                          std::vector<std::string>{"sc", "query", "nosuch"},
                                          std::vector<std::string>{"uninstall", "nosuch"}}) {
        Result r = run(args);
        EXPECT_EQ(r.status, 2) << args[0];
        EXPECT_TRUE(one_line(r.err)) << r.err;
        EXPECT_NE(r.err.find("nosuch"), std::string::npos) << r.err;
    }
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(Cli, DevicesComeAndGoWhileTheHostRuns) {
    install_loop_and_probe();
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "a"}).status, 0);
    ASSERT_EQ(run({"start"}).status, 0);
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "b"}).status, 0);
    nlohmann::json devices = json({"device", "list"});
    ASSERT_EQ(devices.size(), 2u);
    for (const auto& d : devices) EXPECT_EQ(d["state"], "running");
    ASSERT_EQ(run({"probe", "send", "b", "--count", "1000"}).status, 0);
    nlohmann::json probe = json({"probe", "stats"});
    for (const auto& b : probe) {
        if (b["adapter"] == "a") {
            EXPECT_EQ(b["received"], 1000);
        }
    }
    ASSERT_EQ(run({"device", "remove", "b"}).status, 0);
    EXPECT_EQ(json({"device", "list"}).size(), 1u);
    EXPECT_EQ(json({"probe", "stats"}).size(), 1u);
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(Cli, ScManagesNonPnpDrivers) {
    ASSERT_EQ(run({"sc", "create", "extra", "--binary", driver_file("probe.sys")}).status, 0);
    Result query = run({"sc", "query", "extra"});
    ASSERT_EQ(query.status, 0);
    EXPECT_NE(query.out.find("STOPPED"), std::string::npos) << query.out;
    ASSERT_EQ(run({"start"}).status, 0);
    ASSERT_EQ(run({"sc", "start", "extra"}).status, 0);
    EXPECT_NE(run({"sc", "query", "extra"}).out.find("RUNNING"), std::string::npos);
    EXPECT_EQ(run({"sc", "delete", "extra"}).status, 2);
    ASSERT_EQ(run({"sc", "stop", "extra"}).status, 0);
    EXPECT_EQ(run({"sc", "delete", "extra"}).status, 0);
    EXPECT_EQ(run({"sc", "query", "extra"}).status, 2);
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(Cli, OurInfFilesLintClean) {
    Result r = run({"lint", driver_file("netloop.inf"), driver_file("netprobe.inf")});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "");
}

}  // namespace
