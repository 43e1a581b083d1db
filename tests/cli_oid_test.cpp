// cli_oid_test.cpp — `strata oid query|set` end to end (seed 003 §2.4.3): from an empty root,
// install loop and probe, add loop devices, start the host and ask the loop miniport for its
// OIDs through the host's own open; the answers are the values drivers/loop/oid.c gives. Bad
// adapters, OIDs and values are one-line messages with exit 2; failed requests name their
// NDIS_STATUS with exit 1. Runs the built binary as a user would.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"

namespace {

namespace fs = std::filesystem;

using Result = strata::test::CliResult;

class CliOid : public strata::test::CliHarness {
protected:
    void SetUp() override {
        CliHarness::SetUp();
        install_loop_and_probe();
        // e0 has a configured address (so CURRENT and PERMANENT differ); e1 completes its
        // requests later from a DPC (NdisMQueryInformationComplete → ProtocolRequestComplete).
        ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e0", "--param", "NetworkAddress=02AABBCCDDEE"}).status, 0);
        ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e1", "--param", "RequestsPend=1"}).status, 0);
    }

    nlohmann::json query(const std::string& adapter, const std::string& oid) {
        return json({"oid", "query", adapter, oid});
    }

    void start(std::vector<std::string> options = {}) {
        options.insert(options.begin(), "start");
        Result r = run(options);
        ASSERT_EQ(r.status, 0) << r.err;
    }
};

TEST_F(CliOid, MaximumFrameSizeIsWhatTheLoopMiniportAnswers) {
    start();
    Result r = run({"oid", "query", "e0", "OID_GEN_MAXIMUM_FRAME_SIZE"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "OID_GEN_MAXIMUM_FRAME_SIZE (0x00010106) = 1500\n");  // LOOP_MAX_DATA
    EXPECT_EQ(r.err, "");

    nlohmann::json reply = query("e0", "OID_GEN_MAXIMUM_FRAME_SIZE");
    EXPECT_EQ(reply["adapter"], "e0");
    EXPECT_EQ(reply["oid"], "OID_GEN_MAXIMUM_FRAME_SIZE");
    EXPECT_EQ(reply["value"], 0x00010106);
    EXPECT_EQ(reply["status"], "NDIS_STATUS_SUCCESS");
    EXPECT_EQ(reply["bytes_written"], 4);
    EXPECT_EQ(reply["decoded"], 1500);
    EXPECT_EQ(reply["data"], "dc050000");

    // The OID by number, in lower case, without its prefix: the same request.
    for (const char* spelling : {"0x00010106", "65798", "oid_gen_maximum_frame_size", "GEN_MAXIMUM_FRAME_SIZE"})
        EXPECT_EQ(query("e0", spelling)["decoded"], 1500) << spelling;
    // OID_GEN_MAXIMUM_TOTAL_SIZE adds the 14-byte header (LOOP_MAX_FRAME).
    EXPECT_EQ(query("e0", "OID_GEN_MAXIMUM_TOTAL_SIZE")["decoded"], 1514);
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, AddressesAreMacAddresses) {
    start();
    Result r = run({"oid", "query", "e0", "OID_802_3_CURRENT_ADDRESS"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "OID_802_3_CURRENT_ADDRESS (0x01010102) = 02:aa:bb:cc:dd:ee\n");  // its NetworkAddress
    nlohmann::json permanent = query("e0", "OID_802_3_PERMANENT_ADDRESS");
    ASSERT_TRUE(permanent["decoded"].is_string());
    std::string mac = permanent["decoded"];
    EXPECT_TRUE(std::regex_match(mac, std::regex("02:00:5e:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}"))) << mac;
    EXPECT_EQ(permanent["bytes_written"], 6);
    // The vendor id is that OUI and NIC number 0: bytes 02 00 5e 00 as a ULONG.
    EXPECT_EQ(query("e0", "OID_GEN_VENDOR_ID")["decoded"], "0x005E0002");
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, SupportedListAndTypedValuesAreDecoded) {
    start();
    nlohmann::json list = query("e0", "OID_GEN_SUPPORTED_LIST");
    ASSERT_TRUE(list["decoded"].is_array()) << list.dump();
    EXPECT_EQ(list["decoded"].size(), 34u);  // LoopSupportedOids
    EXPECT_EQ(list["bytes_written"], 34 * 4);
    EXPECT_EQ(list["decoded"][0], "OID_GEN_SUPPORTED_LIST");
    EXPECT_NE(std::find(list["decoded"].begin(), list["decoded"].end(), "OID_802_3_CURRENT_ADDRESS"),
              list["decoded"].end());
    Result text = run({"oid", "query", "e0", "OID_GEN_SUPPORTED_LIST"});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_TRUE(one_line(text.out)) << text.out;
    EXPECT_EQ(text.out.rfind("OID_GEN_SUPPORTED_LIST (0x00010101) = OID_GEN_SUPPORTED_LIST, OID_GEN_HARDWARE_STATUS, ", 0), 0u)
        << text.out;

    EXPECT_EQ(query("e0", "OID_GEN_MEDIA_IN_USE")["decoded"], "NdisMedium802_3");
    EXPECT_EQ(query("e0", "OID_GEN_MEDIA_CONNECT_STATUS")["decoded"], "Connected");
    EXPECT_EQ(query("e0", "OID_GEN_HARDWARE_STATUS")["decoded"], "NdisHardwareStatusReady");
    EXPECT_EQ(query("e0", "OID_GEN_DRIVER_VERSION")["decoded"], "5.1");
    EXPECT_EQ(query("e0", "OID_GEN_VENDOR_DRIVER_VERSION")["decoded"], "1.0");
    EXPECT_EQ(query("e0", "OID_GEN_VENDOR_DESCRIPTION")["decoded"], "Strata loop virtual Ethernet adapter");
    EXPECT_EQ(query("e0", "OID_GEN_LINK_SPEED")["decoded"], 10'000'000);  // LinkSpeedMbps 1000, in 100 bps
    EXPECT_EQ(query("e0", "OID_GEN_MAC_OPTIONS")["decoded"],
              nlohmann::json({"NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA", "NDIS_MAC_OPTION_TRANSFERS_NOT_PEND",
                              "NDIS_MAC_OPTION_NO_LOOPBACK", "NDIS_MAC_OPTION_FULL_DUPLEX"}));
    // A statistics counter: the loop answers 8 bytes when the buffer holds them.
    nlohmann::json sent = query("e0", "OID_GEN_XMIT_OK");
    EXPECT_EQ(sent["bytes_written"], 8);
    EXPECT_EQ(sent["decoded"], 0);
    Result vendor = run({"oid", "query", "e0", "OID_GEN_VENDOR_DESCRIPTION"});
    EXPECT_EQ(vendor.out, "OID_GEN_VENDOR_DESCRIPTION (0x0001010D) = \"Strata loop virtual Ethernet adapter\"\n");
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, PendingRequestsAreWaitedFor) {
    start();
    nlohmann::json reply = query("e1", "OID_GEN_MAXIMUM_FRAME_SIZE");
    EXPECT_EQ(reply["status"], "NDIS_STATUS_SUCCESS");
    EXPECT_EQ(reply["decoded"], 1500);
    Result failed = run({"oid", "query", "e1", "OID_PNP_CAPABILITIES"});
    EXPECT_EQ(failed.status, 1);
    EXPECT_NE(failed.err.find("NDIS_STATUS_NOT_SUPPORTED"), std::string::npos) << failed.err;
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, PacketFilterSetThenQueryIsPerOpen) {
    start();
    Result set = run({"oid", "set", "e0", "OID_GEN_CURRENT_PACKET_FILTER", "DIRECTED|BROADCAST"});
    ASSERT_EQ(set.status, 0) << set.err;
    EXPECT_EQ(set.out, "OID_GEN_CURRENT_PACKET_FILTER (0x0001010E) set to "
                       "NDIS_PACKET_TYPE_DIRECTED|NDIS_PACKET_TYPE_BROADCAST (0x00000009) (4 bytes read)\n");
    nlohmann::json reply = json({"oid", "set", "e0", "OID_GEN_CURRENT_PACKET_FILTER", "0x20"});
    EXPECT_EQ(reply["status"], "NDIS_STATUS_SUCCESS");
    EXPECT_EQ(reply["bytes_read"], 4);
    EXPECT_EQ(reply["decoded"], nlohmann::json({"NDIS_PACKET_TYPE_PROMISCUOUS"}));

    // NDIS answers the packet filter per open (request.cpp answer_for_open): each request has
    // an open of its own, which starts with no filter, so the set above lasted only for its open.
    Result query_text = run({"oid", "query", "e0", "OID_GEN_CURRENT_PACKET_FILTER"});
    ASSERT_EQ(query_text.status, 0) << query_text.err;
    EXPECT_EQ(query_text.out, "OID_GEN_CURRENT_PACKET_FILTER (0x0001010E) = 0\n");
    EXPECT_EQ(query("e0", "OID_GEN_CURRENT_PACKET_FILTER")["decoded"], nlohmann::json::array());

    // Bits an Ethernet adapter cannot honour, a lookahead beyond the maximum, and a set the
    // loop miniport itself refuses: run-time failures naming the status.
    Result smt = run({"oid", "set", "e0", "OID_GEN_CURRENT_PACKET_FILTER", "SMT"});
    EXPECT_EQ(smt.status, 1);
    EXPECT_TRUE(one_line(smt.err)) << smt.err;
    EXPECT_NE(smt.err.find("NDIS_STATUS_NOT_SUPPORTED"), std::string::npos) << smt.err;
    Result lookahead = run({"oid", "set", "e0", "OID_GEN_CURRENT_LOOKAHEAD", "5000"});
    EXPECT_EQ(lookahead.status, 1);
    EXPECT_NE(lookahead.err.find("NDIS_STATUS_INVALID_DATA"), std::string::npos) << lookahead.err;
    Result address = run({"oid", "set", "e0", "OID_802_3_CURRENT_ADDRESS", "02:00:00:00:00:01"});
    EXPECT_EQ(address.status, 1);
    EXPECT_NE(address.err.find("NDIS_STATUS_NOT_SUPPORTED"), std::string::npos) << address.err;

    // The probe's binding is untouched and no open of the oid requests is left behind.
    nlohmann::json stats = json({"stats"});
    ASSERT_EQ(stats["adapters"].size(), 2u);
    for (const auto& adapter : stats["adapters"]) EXPECT_EQ(adapter["bindings"].size(), 1u) << adapter.dump();
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, MulticastListSetIsAMacList) {
    start();
    nlohmann::json reply = json({"oid", "set", "e0", "OID_802_3_MULTICAST_LIST", "01:00:5e:00:00:01,01:00:5e:00:00:02"});
    EXPECT_EQ(reply["status"], "NDIS_STATUS_SUCCESS");
    EXPECT_EQ(reply["bytes_read"], 12);
    EXPECT_EQ(reply["decoded"], nlohmann::json({"01:00:5e:00:00:01", "01:00:5e:00:00:02"}));
    Result empty = run({"oid", "query", "e0", "OID_802_3_MULTICAST_LIST"});
    ASSERT_EQ(empty.status, 0) << empty.err;
    EXPECT_EQ(empty.out, "OID_802_3_MULTICAST_LIST (0x01010103) = (empty)\n");
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, DeviceNamesWorkLikeConnectionNames) {
    start();
    nlohmann::json devices = json({"device", "list"});
    ASSERT_TRUE(devices.is_array());
    std::string device;
    for (const auto& d : devices)
        if (d["name"] == "e0") device = d["device"];
    ASSERT_EQ(device.rfind("\\Device\\{", 0), 0u) << device;
    nlohmann::json reply = query(device, "OID_802_3_CURRENT_ADDRESS");
    EXPECT_EQ(reply["decoded"], "02:aa:bb:cc:dd:ee");
    EXPECT_EQ(reply["device"], device);
    EXPECT_EQ(query("E0", "OID_802_3_CURRENT_ADDRESS")["device"], device);  // connection names ignore case
    EXPECT_EQ(run({"stop"}).status, 0);
}

// A filter's virtual miniport (<filter service>-<adapter>) is opened like any adapter; the
// passthru IM passes the request down to the loop adapter below it.
TEST_F(CliOid, VirtualMiniportAnswersThroughItsIntermediateDriver) {
    if (!fs::exists(driver_file("netpassthru.inf"))) GTEST_SKIP() << "no passthru IM driver in this build";
    Result install = run({"install", driver_file("netpassthru.inf")});
    ASSERT_EQ(install.status, 0) << install.err;
    nlohmann::json devices = json({"device", "list"});
    bool found = false;
    for (const auto& d : devices) found = found || (d["name"] == "passthru-e0" && d["virtual"] == true);
    ASSERT_TRUE(found) << devices.dump();
    start();
    nlohmann::json frame = query("passthru-e0", "OID_GEN_MAXIMUM_FRAME_SIZE");
    EXPECT_EQ(frame["status"], "NDIS_STATUS_SUCCESS");
    EXPECT_EQ(frame["decoded"], 1500);
    EXPECT_EQ(query("passthru-e0", "OID_802_3_CURRENT_ADDRESS")["decoded"], "02:aa:bb:cc:dd:ee");
    EXPECT_NE(frame["device"], query("e0", "OID_GEN_MAXIMUM_FRAME_SIZE")["device"]);
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, UnsupportedOidIsARunTimeFailure) {
    start();
    Result r = run({"oid", "query", "e0", "OID_PNP_CAPABILITIES"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_EQ(r.err, "strata: oid query e0 OID_PNP_CAPABILITIES (0xFD010100): NDIS_STATUS_NOT_SUPPORTED\n");

    nlohmann::json reply = json({"oid", "query", "e0", "OID_PNP_CAPABILITIES"}, 1);
    EXPECT_EQ(reply["status"], "NDIS_STATUS_NOT_SUPPORTED");
    EXPECT_FALSE(reply.contains("decoded"));

    // An OID no table knows goes to the miniport all the same, by number.
    Result unknown = run({"oid", "query", "e0", "0x00FF0001"});
    EXPECT_EQ(unknown.status, 1);
    EXPECT_EQ(unknown.err, "strata: oid query e0 0x00FF0001: NDIS_STATUS_NOT_SUPPORTED\n");
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, ShortBufferNamesTheBytesNeeded) {
    start();
    Result r = run({"oid", "query", "e0", "OID_GEN_MAXIMUM_FRAME_SIZE", "--buffer-length", "2"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "strata: oid query e0 OID_GEN_MAXIMUM_FRAME_SIZE (0x00010106): NDIS_STATUS_INVALID_LENGTH "
                     "(4 bytes needed)\n");
    nlohmann::json reply = json({"oid", "query", "e0", "OID_GEN_MAXIMUM_FRAME_SIZE", "--buffer-length", "2"}, 1);
    EXPECT_EQ(reply["status"], "NDIS_STATUS_INVALID_LENGTH");
    EXPECT_EQ(reply["bytes_needed"], 4);
    // A counter in a 4-byte buffer is its low ULONG.
    nlohmann::json counter = json({"oid", "query", "e0", "OID_GEN_RCV_OK", "--buffer-length", "4"});
    EXPECT_EQ(counter["bytes_written"], 4);
    EXPECT_EQ(counter["decoded"], 0);
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, BadAdaptersOidsAndValuesAreNamed) {
    start();
    struct Case {
        std::vector<std::string> args;
        std::vector<std::string> named;  // what the message must name
    };
    for (const Case& c : {Case{{"oid", "query", "nosuch", "OID_GEN_MAXIMUM_FRAME_SIZE"}, {"nosuch"}},
                          Case{{"oid", "query", "\\Device\\{00000000-0000-0000-0000-000000000000}", "OID_GEN_LINK_SPEED"},
                               {"{00000000-0000-0000-0000-000000000000}"}},
                          Case{{"oid", "query", "e0", "OID_NOSUCH"}, {"OID_NOSUCH"}},
                          Case{{"oid", "set", "e0", "OID_GEN_CURRENT_PACKET_FILTER", "BOGUS"},
                               {"OID_GEN_CURRENT_PACKET_FILTER", "BOGUS"}},
                          Case{{"oid", "set", "e0", "OID_802_3_MULTICAST_LIST", "01:00:5e"},
                               {"OID_802_3_MULTICAST_LIST", "01:00:5e"}},
                          Case{{"oid", "set", "e0", "OID_GEN_CURRENT_LOOKAHEAD", "lots"}, {"OID_GEN_CURRENT_LOOKAHEAD", "lots"}},
                          Case{{"oid", "set", "e0", "0x00FF0001", "xyz"}, {"0x00FF0001", "xyz"}},
                          Case{{"oid", "set", "e0", "OID_GEN_CURRENT_LOOKAHEAD"}, {"value"}},
                          Case{{"oid", "query", "e0"}, {"oid"}}}) {
        Result r = run(c.args);
        EXPECT_EQ(r.status, 2) << c.args[2] << " " << r.err;
        EXPECT_TRUE(one_line(r.err)) << r.err;
        for (const std::string& name : c.named) EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
    }
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(CliOid, NoHostIsBadInputLikeStats) {
    Result r = run({"oid", "query", "e0", "OID_GEN_MAXIMUM_FRAME_SIZE"});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_NE(r.err.find("no host is running"), std::string::npos) << r.err;
    EXPECT_EQ(run({"stats"}).status, r.status);
}

TEST_F(CliOid, StopAfterRequestsUnloadsCleanly) {
    start({"--verify"});
    ASSERT_EQ(query("e0", "OID_GEN_MAXIMUM_FRAME_SIZE")["decoded"], 1500);
    ASSERT_EQ(query("e1", "OID_GEN_MAXIMUM_FRAME_SIZE")["decoded"], 1500);
    ASSERT_EQ(json({"oid", "set", "e1", "OID_GEN_CURRENT_PACKET_FILTER", "PROMISCUOUS"})["status"], "NDIS_STATUS_SUCCESS");
    json({"oid", "query", "e1", "OID_PNP_CAPABILITIES"}, 1);
    // The verifier saw nothing wrong with the opens, requests and closes.
    nlohmann::json stats = json({"stats"});
    EXPECT_EQ(stats["verifier"]["enabled"], true);
    EXPECT_EQ(stats["verifier"]["reports"], 0) << read_file(root_ / "host.log");
    Result stop = run({"stop"});
    EXPECT_EQ(stop.status, 0) << stop.err;
    EXPECT_EQ(run({"status"}).status, 3);
    // A second host on the same root registers the protocol afresh.
    start();
    EXPECT_EQ(query("e0", "OID_GEN_MAXIMUM_FRAME_SIZE")["decoded"], 1500);
    EXPECT_EQ(run({"stop"}).status, 0);
}

}  // namespace
