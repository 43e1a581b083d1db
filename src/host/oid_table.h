// oid_table.h — the documented NDIS 5.1 object identifiers by name, number and value type
// (seed 003 §2.4.3; ntddndis.h), for `strata oid`: naming OIDs and NDIS_STATUS values,
// decoding a query's information buffer to one line of text and to JSON, and encoding a set's
// VALUE from text. Pure functions over constant tables: any thread, no locks, no NDIS calls.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <ndis.h>
#include <nlohmann/json.hpp>

namespace strata::host {

// How an OID's information buffer is laid out (and so how it is printed and parsed).
enum class OidType : std::uint8_t {
    Ulong,              // ULONG
    Counter,            // statistics: ULONG64, or its low ULONG when the buffer holds 4 bytes
    LinkSpeed,          // ULONG in units of 100 bit/s
    MacAddress,         // 6 bytes: 02:00:5e:00:00:01
    MacList,            // n × 6 bytes, comma-separated
    Medium,             // NDIS_MEDIUM array: NdisMedium802_3
    MediaState,         // NDIS_MEDIA_STATE: Connected / Disconnected
    HardwareStatus,     // NDIS_HARDWARE_STATUS: NdisHardwareStatusReady
    PhysicalMedium,     // NDIS_PHYSICAL_MEDIUM: NdisPhysicalMediumUnspecified
    DevicePowerState,   // NDIS_DEVICE_POWER_STATE: NdisDeviceStateD0
    PacketFilter,       // NDIS_PACKET_TYPE_* bits joined by |
    MacOptions,         // NDIS_MAC_OPTION_* bits
    ProtocolOptions,    // NDIS_PROT_OPTION_* bits
    MediaCapabilities,  // NDIS_MEDIA_CAP_* bits
    WakeUpFlags,        // NDIS_DEVICE_WAKE_* bits (OID_PNP_ENABLE_WAKE_UP)
    Ieee8023MacOptions, // NDIS_802_3_MAC_OPTION_* bits
    AnsiString,         // NUL-terminated ANSI text
    UnicodeString,      // WCHAR text
    OidList,            // NDIS_OID array, printed by name
    DriverVersion,      // USHORT 0xMMmm: 5.1
    VendorDriverVersion,// ULONG, major in the high word: 1.0
    VendorId,           // ULONG, OUI and NIC number: printed in hex
    PnpCapabilities,    // NDIS_PNP_CAPABILITIES
    Bytes,              // anything else: hex bytes
};

struct OidInfo {
    std::string_view name;  // OID_GEN_MAXIMUM_FRAME_SIZE
    NDIS_OID oid;           // 0x00010106
    OidType type;
};

// Every OID include/ndis/ndis_oids.h defines, once (the OID_GEN_CO_* aliases are left out).
std::span<const OidInfo> oid_table();
const OidInfo* find_oid(NDIS_OID oid);
// A name (case-insensitive, the OID_ prefix optional) or a number (1234, 0x00010106).
std::optional<NDIS_OID> parse_oid(std::string_view text);
std::string oid_hex(NDIS_OID oid);   // 0x00010106
std::string oid_name(NDIS_OID oid);  // OID_GEN_MAXIMUM_FRAME_SIZE, or 0x00FF0001 when unknown

// NDIS_STATUS_INVALID_LENGTH, or 0xC0FF0001 for a value ndis_status.h does not define.
std::string status_name(NDIS_STATUS status);

// A query's answer as one line of text and as JSON (number, string, array or object). A
// buffer whose length does not fit the OID's type is shown as hex bytes, saying so.
struct DecodedValue {
    std::string text;
    nlohmann::json json;
};
DecodedValue decode_oid_value(NDIS_OID oid, std::span<const std::uint8_t> data);

// A set's VALUE, parsed by the OID's type: numbers (decimal or 0x hex), MAC addresses
// aa:bb:cc:dd:ee:ff, comma lists of them, flag names joined by | (prefix optional) or a number,
// enumerator names (prefix optional) or a number, and hex bytes (01ff00) for OIDs of no known
// type. nullopt with *why saying what was expected when it does not parse.
std::optional<std::vector<std::uint8_t>> encode_oid_value(NDIS_OID oid, std::string_view text, std::string* why);

// Bytes as lowercase hex without separators ("01ff00"), and back (an optional 0x prefix).
std::string hex_bytes(std::span<const std::uint8_t> data);
std::optional<std::vector<std::uint8_t>> parse_hex_bytes(std::string_view text);

}  // namespace strata::host
