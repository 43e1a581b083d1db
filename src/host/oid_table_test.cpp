// oid_table_test.cpp — unit tests for the OID table (seed 003 §2.4.3; ntddndis.h): names and
// numbers, NDIS_STATUS names, decoding every value type from an information buffer, encoding
// set values, and the hex byte helpers.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "host/oid_table.h"

namespace strata::host {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes ulong(ULONG value) {
    Bytes b(sizeof value);
    std::memcpy(b.data(), &value, sizeof value);
    return b;
}

Bytes ulong64(ULONG64 value) {
    Bytes b(sizeof value);
    std::memcpy(b.data(), &value, sizeof value);
    return b;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

std::string text(NDIS_OID oid, const Bytes& data) { return decode_oid_value(oid, data).text; }
nlohmann::json json(NDIS_OID oid, const Bytes& data) { return decode_oid_value(oid, data).json; }

Bytes encode(NDIS_OID oid, std::string_view value) {
    std::string why;
    std::optional<Bytes> bytes = encode_oid_value(oid, value, &why);
    EXPECT_TRUE(bytes.has_value()) << value << ": " << why;
    return bytes.value_or(Bytes{});
}

std::string refusal(NDIS_OID oid, std::string_view value) {
    std::string why;
    EXPECT_FALSE(encode_oid_value(oid, value, &why).has_value()) << value;
    return why;
}

// ---- Names ------------------------------------------------------------------------------------

TEST(OidTable, NamesAreUniqueAndValuesAppearOnce) {
    std::set<std::string_view> names;
    std::set<NDIS_OID> values;
    for (const OidInfo& info : oid_table()) {
        EXPECT_TRUE(info.name.starts_with("OID_")) << info.name;
        EXPECT_TRUE(names.insert(info.name).second) << info.name;
        EXPECT_TRUE(values.insert(info.oid).second) << info.name;
    }
}

// Every OID include/ndis/ndis_oids.h defines with a number of its own (the OID_GEN_CO_* aliases
// name other OIDs' numbers) is in the table under its name.
TEST(OidTable, HoldsEveryOidTheHeaderDefines) {
    std::ifstream header(STRATA_SOURCE_DIR "/include/ndis/ndis_oids.h");
    ASSERT_TRUE(header.is_open());
    std::regex define(R"(^#define\s+(OID_\w+)\s+0x([0-9A-Fa-f]+)\s*$)");
    std::size_t defined = 0;
    for (std::string line; std::getline(header, line);) {
        std::smatch m;
        if (!std::regex_match(line, m, define)) continue;
        ++defined;
        auto value = static_cast<NDIS_OID>(std::stoul(m[2].str(), nullptr, 16));
        const OidInfo* info = find_oid(value);
        ASSERT_NE(info, nullptr) << m[1];
        EXPECT_EQ(info->name, m[1].str());
    }
    EXPECT_EQ(defined, oid_table().size());
}

TEST(OidTable, FindsTheOidsTheCommandNeeds) {
    ASSERT_NE(find_oid(OID_GEN_MAXIMUM_FRAME_SIZE), nullptr);
    EXPECT_EQ(find_oid(OID_GEN_MAXIMUM_FRAME_SIZE)->type, OidType::Ulong);
    EXPECT_EQ(find_oid(OID_802_3_CURRENT_ADDRESS)->type, OidType::MacAddress);
    EXPECT_EQ(find_oid(OID_802_3_MULTICAST_LIST)->type, OidType::MacList);
    EXPECT_EQ(find_oid(OID_GEN_SUPPORTED_LIST)->type, OidType::OidList);
    EXPECT_EQ(find_oid(OID_GEN_DIRECTED_BYTES_XMIT)->type, OidType::Counter);
    EXPECT_EQ(find_oid(OID_PNP_SET_POWER)->type, OidType::DevicePowerState);
    EXPECT_EQ(find_oid(OID_TCP_TASK_OFFLOAD)->type, OidType::Bytes);
    EXPECT_EQ(find_oid(0x00FF0001), nullptr);
}

TEST(OidTable, ParsesNamesCaseInsensitivelyWithTheOidPrefixOptional) {
    for (std::string_view text : {"OID_GEN_MAXIMUM_FRAME_SIZE", "oid_gen_maximum_frame_size", "GEN_MAXIMUM_FRAME_SIZE",
                                  "gen_maximum_frame_size", "0x00010106", "0X10106", "65798", " 0x00010106 "})
        EXPECT_EQ(parse_oid(text), std::optional<NDIS_OID>(OID_GEN_MAXIMUM_FRAME_SIZE)) << text;
    EXPECT_EQ(parse_oid("802_3_current_address"), std::optional<NDIS_OID>(OID_802_3_CURRENT_ADDRESS));
    EXPECT_EQ(parse_oid("0xFD010101"), std::optional<NDIS_OID>(OID_PNP_SET_POWER));
}

TEST(OidTable, RefusesUnknownNamesAndOversizedNumbers) {
    for (std::string_view text : {"OID_NOSUCH", "", "0x", "0x1FFFFFFFF", "4294967296", "-1", "OID_", "12ab"})
        EXPECT_EQ(parse_oid(text), std::nullopt) << text;
}

TEST(OidTable, NamesKnownOidsAndPrintsOthersInHex) {
    EXPECT_EQ(oid_name(OID_GEN_VENDOR_DESCRIPTION), "OID_GEN_VENDOR_DESCRIPTION");
    EXPECT_EQ(oid_name(0x00FF0001), "0x00FF0001");
    EXPECT_EQ(oid_hex(OID_GEN_MAXIMUM_FRAME_SIZE), "0x00010106");
}

TEST(OidTable, NamesStatuses) {
    EXPECT_EQ(status_name(NDIS_STATUS_SUCCESS), "NDIS_STATUS_SUCCESS");
    EXPECT_EQ(status_name(NDIS_STATUS_NOT_SUPPORTED), "NDIS_STATUS_NOT_SUPPORTED");
    EXPECT_EQ(status_name(NDIS_STATUS_INVALID_LENGTH), "NDIS_STATUS_INVALID_LENGTH");
    EXPECT_EQ(status_name(NDIS_STATUS_BUFFER_TOO_SHORT), "NDIS_STATUS_BUFFER_TOO_SHORT");
    EXPECT_EQ(status_name(NDIS_STATUS_PENDING), "NDIS_STATUS_PENDING");
    EXPECT_EQ(status_name(static_cast<NDIS_STATUS>(0xC0FF0001)), "0xC0FF0001");
}

// ---- Decoding ---------------------------------------------------------------------------------

TEST(OidTableDecode, UlongIsANumber) {
    EXPECT_EQ(text(OID_GEN_MAXIMUM_FRAME_SIZE, ulong(1500)), "1500");
    EXPECT_EQ(json(OID_GEN_MAXIMUM_FRAME_SIZE, ulong(1500)), 1500);
}

TEST(OidTableDecode, StatisticsCountersTakeFourOrEightBytes) {
    EXPECT_EQ(text(OID_GEN_XMIT_OK, ulong64(0x100000000ull)), "4294967296");
    EXPECT_EQ(json(OID_GEN_XMIT_OK, ulong64(0x100000000ull)), 0x100000000ull);
    EXPECT_EQ(text(OID_GEN_RCV_OK, ulong(7)), "7");
    EXPECT_EQ(json(OID_802_3_XMIT_ONE_COLLISION, ulong(0)), 0);
}

TEST(OidTableDecode, MacAddressAndList) {
    Bytes a = {0x02, 0x00, 0x5E, 0x00, 0x00, 0x01};
    Bytes b = {0x01, 0x00, 0x5E, 0x7F, 0xFF, 0xFA};
    EXPECT_EQ(text(OID_802_3_CURRENT_ADDRESS, a), "02:00:5e:00:00:01");
    EXPECT_EQ(json(OID_802_3_PERMANENT_ADDRESS, a), "02:00:5e:00:00:01");
    EXPECT_EQ(text(OID_802_3_MULTICAST_LIST, concat({a, b})), "02:00:5e:00:00:01, 01:00:5e:7f:ff:fa");
    EXPECT_EQ(json(OID_802_3_MULTICAST_LIST, concat({a, b})), nlohmann::json({"02:00:5e:00:00:01", "01:00:5e:7f:ff:fa"}));
    EXPECT_EQ(text(OID_802_3_MULTICAST_LIST, {}), "(empty)");
    EXPECT_EQ(json(OID_802_3_MULTICAST_LIST, {}), nlohmann::json::array());
}

TEST(OidTableDecode, MediumAndMediaConnectStatus) {
    EXPECT_EQ(text(OID_GEN_MEDIA_IN_USE, ulong(NdisMedium802_3)), "NdisMedium802_3");
    EXPECT_EQ(json(OID_GEN_MEDIA_SUPPORTED, ulong(NdisMediumWan)), "NdisMediumWan");
    EXPECT_EQ(text(OID_GEN_MEDIA_SUPPORTED, concat({ulong(NdisMedium802_3), ulong(NdisMediumDix)})),
              "NdisMedium802_3, NdisMediumDix");
    EXPECT_EQ(json(OID_GEN_MEDIA_SUPPORTED, concat({ulong(NdisMedium802_3), ulong(NdisMediumDix)})),
              nlohmann::json({"NdisMedium802_3", "NdisMediumDix"}));
    EXPECT_EQ(text(OID_GEN_MEDIA_CONNECT_STATUS, ulong(NdisMediaStateConnected)), "Connected");
    EXPECT_EQ(text(OID_GEN_MEDIA_CONNECT_STATUS, ulong(NdisMediaStateDisconnected)), "Disconnected");
    EXPECT_EQ(json(OID_GEN_MEDIA_CONNECT_STATUS, ulong(9)), 9);
}

TEST(OidTableDecode, PacketFilterNamesItsBitsJoinedByBar) {
    ULONG bits = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_BROADCAST;
    EXPECT_EQ(text(OID_GEN_CURRENT_PACKET_FILTER, ulong(bits)),
              "NDIS_PACKET_TYPE_DIRECTED|NDIS_PACKET_TYPE_MULTICAST|NDIS_PACKET_TYPE_BROADCAST (0x0000000B)");
    EXPECT_EQ(json(OID_GEN_CURRENT_PACKET_FILTER, ulong(bits)),
              nlohmann::json({"NDIS_PACKET_TYPE_DIRECTED", "NDIS_PACKET_TYPE_MULTICAST", "NDIS_PACKET_TYPE_BROADCAST"}));
    EXPECT_EQ(text(OID_GEN_CURRENT_PACKET_FILTER, ulong(0)), "0");
    EXPECT_EQ(text(OID_GEN_CURRENT_PACKET_FILTER, ulong(NDIS_PACKET_TYPE_PROMISCUOUS | 0x00010000)),
              "NDIS_PACKET_TYPE_PROMISCUOUS|0x00010000 (0x00010020)");
}

TEST(OidTableDecode, MacAndProtocolOptions) {
    ULONG options = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_NO_LOOPBACK | NDIS_MAC_OPTION_FULL_DUPLEX;
    EXPECT_EQ(text(OID_GEN_MAC_OPTIONS, ulong(options)),
              "NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA|NDIS_MAC_OPTION_NO_LOOPBACK|NDIS_MAC_OPTION_FULL_DUPLEX (0x00000019)");
    EXPECT_EQ(json(OID_GEN_PROTOCOL_OPTIONS, ulong(NDIS_PROT_OPTION_NO_LOOPBACK)),
              nlohmann::json({"NDIS_PROT_OPTION_NO_LOOPBACK"}));
}

TEST(OidTableDecode, AnsiStringStopsAtNulAndEscapesTheUnprintable) {
    const char description[] = "Strata loop virtual Ethernet adapter";
    Bytes b(description, description + sizeof description);
    EXPECT_EQ(text(OID_GEN_VENDOR_DESCRIPTION, b), "\"Strata loop virtual Ethernet adapter\"");
    EXPECT_EQ(json(OID_GEN_VENDOR_DESCRIPTION, b), "Strata loop virtual Ethernet adapter");
    EXPECT_EQ(text(OID_GEN_VENDOR_DESCRIPTION, Bytes{'a', '\n', 0xFF}), "\"a\\x0a\\xff\"");
    EXPECT_NO_THROW((void)json(OID_GEN_VENDOR_DESCRIPTION, Bytes{'a', 0xFF}).dump());
}

TEST(OidTableDecode, UnicodeString) {
    Bytes b = {'h', 0, 'o', 0, 's', 0, 't', 0, 0, 0};
    EXPECT_EQ(text(OID_GEN_MACHINE_NAME, b), "\"host\"");
    EXPECT_EQ(json(OID_GEN_MACHINE_NAME, b), "host");
}

TEST(OidTableDecode, OidListByName) {
    Bytes b = concat({ulong(OID_GEN_SUPPORTED_LIST), ulong(OID_802_3_CURRENT_ADDRESS), ulong(0x00FF0001)});
    EXPECT_EQ(text(OID_GEN_SUPPORTED_LIST, b), "OID_GEN_SUPPORTED_LIST, OID_802_3_CURRENT_ADDRESS, 0x00FF0001");
    EXPECT_EQ(json(OID_GEN_SUPPORTED_LIST, b),
              nlohmann::json({"OID_GEN_SUPPORTED_LIST", "OID_802_3_CURRENT_ADDRESS", "0x00FF0001"}));
}

TEST(OidTableDecode, Enumerations) {
    EXPECT_EQ(text(OID_GEN_HARDWARE_STATUS, ulong(NdisHardwareStatusReady)), "NdisHardwareStatusReady");
    EXPECT_EQ(text(OID_PNP_QUERY_POWER, ulong(NdisDeviceStateD3)), "NdisDeviceStateD3");
    EXPECT_EQ(json(OID_PNP_SET_POWER, ulong(NdisDeviceStateD0)), "NdisDeviceStateD0");
    EXPECT_EQ(text(OID_GEN_PHYSICAL_MEDIUM, ulong(NdisPhysicalMediumWirelessLan)), "NdisPhysicalMediumWirelessLan");
}

TEST(OidTableDecode, VersionsVendorIdAndLinkSpeed) {
    Bytes v51 = {0x01, 0x05};
    EXPECT_EQ(text(OID_GEN_DRIVER_VERSION, v51), "5.1");
    EXPECT_EQ(json(OID_GEN_DRIVER_VERSION, ulong(0x0500)), "5.0");
    EXPECT_EQ(text(OID_GEN_VENDOR_DRIVER_VERSION, ulong(0x00010000)), "1.0");
    EXPECT_EQ(text(OID_GEN_VENDOR_ID, Bytes{0x02, 0x00, 0x5E, 0x00}), "0x005E0002");
    EXPECT_EQ(text(OID_GEN_LINK_SPEED, ulong(10'000'000)), "10000000 (1 Gbps)");
    EXPECT_EQ(text(OID_GEN_LINK_SPEED, ulong(1'000'000)), "1000000 (100 Mbps)");
    EXPECT_EQ(json(OID_GEN_LINK_SPEED, ulong(1'000'000)), 1000000);
}

TEST(OidTableDecode, PnpCapabilities) {
    NDIS_PNP_CAPABILITIES caps{};
    caps.WakeUpCapabilities.MinMagicPacketWakeUp = NdisDeviceStateD3;
    caps.WakeUpCapabilities.MinPatternWakeUp = NdisDeviceStateD2;
    caps.WakeUpCapabilities.MinLinkChangeWakeUp = NdisDeviceStateUnspecified;
    Bytes b(sizeof caps);
    std::memcpy(b.data(), &caps, sizeof caps);
    DecodedValue d = decode_oid_value(OID_PNP_CAPABILITIES, b);
    EXPECT_EQ(d.text, "Flags 0x00000000, MinMagicPacketWakeUp NdisDeviceStateD3, MinPatternWakeUp NdisDeviceStateD2, "
                      "MinLinkChangeWakeUp NdisDeviceStateUnspecified");
    EXPECT_EQ(d.json["min_magic_packet_wake_up"], "NdisDeviceStateD3");
    EXPECT_EQ(d.json["flags"], 0);
}

TEST(OidTableDecode, UnknownOidsAndMisfitBuffersAreHexBytes) {
    EXPECT_EQ(text(0x00FF0001, Bytes{0x01, 0xFF, 0x00}), "01ff00");
    EXPECT_EQ(json(0x00FF0001, Bytes{0x01, 0xFF, 0x00}), "01ff00");
    EXPECT_EQ(text(0x00FF0001, {}), "(empty)");
    EXPECT_EQ(text(OID_GEN_MAXIMUM_FRAME_SIZE, Bytes{0xDC, 0x05}), "dc05 (2 bytes; expected a ULONG)");
    EXPECT_EQ(json(OID_GEN_MAXIMUM_FRAME_SIZE, Bytes{0xDC, 0x05}), "dc05");
    EXPECT_EQ(text(OID_802_3_CURRENT_ADDRESS, Bytes{1, 2, 3}), "010203 (3 bytes; expected a 6-byte MAC address)");
    EXPECT_EQ(text(OID_GEN_XMIT_OK, Bytes{1, 2}), "0102 (2 bytes; expected a ULONG64 or ULONG)");
}

// ---- Encoding ---------------------------------------------------------------------------------

TEST(OidTableEncode, NumbersInDecimalOrHex) {
    EXPECT_EQ(encode(OID_GEN_CURRENT_LOOKAHEAD, "128"), ulong(128));
    EXPECT_EQ(encode(OID_GEN_CURRENT_LOOKAHEAD, "0x80"), ulong(128));
    EXPECT_EQ(encode(OID_GEN_CURRENT_LOOKAHEAD, "4294967295"), ulong(0xFFFFFFFF));
    EXPECT_EQ(encode(OID_GEN_XMIT_OK, "0x100000000"), ulong64(0x100000000ull));
    EXPECT_NE(refusal(OID_GEN_CURRENT_LOOKAHEAD, "4294967296").find("number"), std::string::npos);
    refusal(OID_GEN_CURRENT_LOOKAHEAD, "");
    refusal(OID_GEN_CURRENT_LOOKAHEAD, "12abc");
    refusal(OID_GEN_CURRENT_LOOKAHEAD, "-1");
}

TEST(OidTableEncode, MacAddressesAndLists) {
    Bytes a = {0x01, 0x00, 0x5E, 0x00, 0x00, 0x01};
    Bytes b = {0x01, 0x00, 0x5E, 0x7F, 0xFF, 0xFA};
    EXPECT_EQ(encode(OID_802_3_CURRENT_ADDRESS, "01:00:5e:00:00:01"), a);
    EXPECT_EQ(encode(OID_802_3_CURRENT_ADDRESS, "01-00-5E-00-00-01"), a);
    EXPECT_EQ(encode(OID_802_3_MULTICAST_LIST, "01:00:5e:00:00:01, 01:00:5e:7f:ff:fa"), concat({a, b}));
    EXPECT_EQ(encode(OID_802_3_MULTICAST_LIST, ""), Bytes{});
    EXPECT_NE(refusal(OID_802_3_CURRENT_ADDRESS, "01:00:5e:00:00").find("MAC address"), std::string::npos);
    refusal(OID_802_3_CURRENT_ADDRESS, "01:00:5e:00:00:001");
    refusal(OID_802_3_MULTICAST_LIST, "01:00:5e:00:00:01,");
}

TEST(OidTableEncode, PacketFilterNamesOrNumbers) {
    ULONG directed_broadcast = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST;
    EXPECT_EQ(encode(OID_GEN_CURRENT_PACKET_FILTER, "NDIS_PACKET_TYPE_DIRECTED|NDIS_PACKET_TYPE_BROADCAST"),
              ulong(directed_broadcast));
    EXPECT_EQ(encode(OID_GEN_CURRENT_PACKET_FILTER, "directed | Broadcast"), ulong(directed_broadcast));
    EXPECT_EQ(encode(OID_GEN_CURRENT_PACKET_FILTER, "0x9"), ulong(directed_broadcast));
    EXPECT_EQ(encode(OID_GEN_CURRENT_PACKET_FILTER, "0"), ulong(0));
    std::string why = refusal(OID_GEN_CURRENT_PACKET_FILTER, "DIRECTED|BOGUS");
    EXPECT_NE(why.find("NDIS_PACKET_TYPE_"), std::string::npos) << why;
}

TEST(OidTableEncode, EnumeratorsByNameOrNumber) {
    EXPECT_EQ(encode(OID_PNP_SET_POWER, "NdisDeviceStateD3"), ulong(NdisDeviceStateD3));
    EXPECT_EQ(encode(OID_PNP_SET_POWER, "d3"), ulong(NdisDeviceStateD3));
    EXPECT_EQ(encode(OID_PNP_QUERY_POWER, "1"), ulong(NdisDeviceStateD0));
    EXPECT_EQ(encode(OID_GEN_MEDIA_CONNECT_STATUS, "Disconnected"), ulong(NdisMediaStateDisconnected));
    EXPECT_EQ(encode(OID_GEN_MEDIA_CONNECT_STATUS, "NdisMediaStateConnected"), ulong(NdisMediaStateConnected));
    EXPECT_EQ(encode(OID_GEN_MEDIA_IN_USE, "802_3, NdisMediumDix"), concat({ulong(NdisMedium802_3), ulong(NdisMediumDix)}));
    std::string why = refusal(OID_PNP_SET_POWER, "D7");
    EXPECT_NE(why.find("NdisDeviceState"), std::string::npos) << why;
}

TEST(OidTableEncode, StringsVersionsAndOidLists) {
    EXPECT_EQ(encode(OID_GEN_VENDOR_DESCRIPTION, "ab"), (Bytes{'a', 'b', 0}));
    EXPECT_EQ(encode(OID_GEN_MACHINE_NAME, "ab"), (Bytes{'a', 0, 'b', 0}));
    EXPECT_EQ(encode(OID_GEN_DRIVER_VERSION, "5.1"), (Bytes{0x01, 0x05}));
    EXPECT_EQ(encode(OID_GEN_VENDOR_DRIVER_VERSION, "1.2"), ulong(0x00010002));
    EXPECT_EQ(encode(OID_GEN_SUPPORTED_LIST, "GEN_XMIT_OK, 0x00FF0001"), concat({ulong(OID_GEN_XMIT_OK), ulong(0x00FF0001)}));
    refusal(OID_GEN_DRIVER_VERSION, "5.256");
    refusal(OID_GEN_SUPPORTED_LIST, "GEN_XMIT_OK, NOSUCH");
}

TEST(OidTableEncode, UnknownOidsTakeHexBytes) {
    EXPECT_EQ(encode(0x00FF0001, "01ff00"), (Bytes{0x01, 0xFF, 0x00}));
    EXPECT_EQ(encode(0x00FF0001, "0x01FF"), (Bytes{0x01, 0xFF}));
    EXPECT_EQ(encode(OID_TCP_TASK_OFFLOAD, ""), Bytes{});
    EXPECT_NE(refusal(0x00FF0001, "01f").find("hex bytes"), std::string::npos);
    refusal(0x00FF0001, "0g");
}

TEST(OidTableEncode, WhatIsEncodedDecodesToTheSameText) {
    struct Case {
        NDIS_OID oid;
        std::string_view value;
        std::string_view decoded;
    };
    for (const Case& c : {Case{OID_GEN_CURRENT_LOOKAHEAD, "0x80", "128"},
                          Case{OID_802_3_MULTICAST_LIST, "01:00:5E:00:00:01", "01:00:5e:00:00:01"},
                          Case{OID_GEN_CURRENT_PACKET_FILTER, "broadcast|directed",
                               "NDIS_PACKET_TYPE_DIRECTED|NDIS_PACKET_TYPE_BROADCAST (0x00000009)"},
                          Case{OID_PNP_SET_POWER, "D2", "NdisDeviceStateD2"},
                          Case{OID_GEN_DRIVER_VERSION, "5.1", "5.1"},
                          Case{OID_GEN_VENDOR_DESCRIPTION, "x y", "\"x y\""},
                          Case{0x00FF0001, "01ff00", "01ff00"}})
        EXPECT_EQ(text(c.oid, encode(c.oid, c.value)), c.decoded) << c.value;
}

// ---- Hex --------------------------------------------------------------------------------------

TEST(OidTableHex, RoundTrips) {
    Bytes all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
    EXPECT_EQ(parse_hex_bytes(hex_bytes(all)), std::optional<Bytes>(all));
    EXPECT_EQ(hex_bytes(Bytes{0xAB, 0x01}), "ab01");
    EXPECT_EQ(parse_hex_bytes("AB01"), std::optional<Bytes>(Bytes{0xAB, 0x01}));
    EXPECT_EQ(parse_hex_bytes(""), std::optional<Bytes>(Bytes{}));
    EXPECT_EQ(parse_hex_bytes("abc"), std::nullopt);
    EXPECT_EQ(parse_hex_bytes("+1"), std::nullopt);
}

}  // namespace
}  // namespace strata::host
