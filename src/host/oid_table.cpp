// oid_table.cpp — NDIS 5.1 OIDs, their value types and NDIS_STATUS names (seed 003 §2.4.3;
// ntddndis.h), with the decoding and encoding of information buffers for `strata oid`.
#include "host/oid_table.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

#include "ntos/string.h"

namespace strata::host {
namespace {

// ---- Tables ---------------------------------------------------------------------------------
// Names come from the macros and enumerators themselves (#x), so name and value cannot drift.

#define STRATA_OID(name, type) OidInfo{#name, name, OidType::type}

constexpr std::array kOids = {
    // General objects (seed 003 §2.4.3: the required and optional general OIDs)
    STRATA_OID(OID_GEN_SUPPORTED_LIST, OidList),
    STRATA_OID(OID_GEN_HARDWARE_STATUS, HardwareStatus),
    STRATA_OID(OID_GEN_MEDIA_SUPPORTED, Medium),
    STRATA_OID(OID_GEN_MEDIA_IN_USE, Medium),
    STRATA_OID(OID_GEN_MAXIMUM_LOOKAHEAD, Ulong),
    STRATA_OID(OID_GEN_MAXIMUM_FRAME_SIZE, Ulong),
    STRATA_OID(OID_GEN_LINK_SPEED, LinkSpeed),
    STRATA_OID(OID_GEN_TRANSMIT_BUFFER_SPACE, Ulong),
    STRATA_OID(OID_GEN_RECEIVE_BUFFER_SPACE, Ulong),
    STRATA_OID(OID_GEN_TRANSMIT_BLOCK_SIZE, Ulong),
    STRATA_OID(OID_GEN_RECEIVE_BLOCK_SIZE, Ulong),
    STRATA_OID(OID_GEN_VENDOR_ID, VendorId),
    STRATA_OID(OID_GEN_VENDOR_DESCRIPTION, AnsiString),
    STRATA_OID(OID_GEN_CURRENT_PACKET_FILTER, PacketFilter),
    STRATA_OID(OID_GEN_CURRENT_LOOKAHEAD, Ulong),
    STRATA_OID(OID_GEN_DRIVER_VERSION, DriverVersion),
    STRATA_OID(OID_GEN_MAXIMUM_TOTAL_SIZE, Ulong),
    STRATA_OID(OID_GEN_PROTOCOL_OPTIONS, ProtocolOptions),
    STRATA_OID(OID_GEN_MAC_OPTIONS, MacOptions),
    STRATA_OID(OID_GEN_MEDIA_CONNECT_STATUS, MediaState),
    STRATA_OID(OID_GEN_MAXIMUM_SEND_PACKETS, Ulong),
    STRATA_OID(OID_GEN_VENDOR_DRIVER_VERSION, VendorDriverVersion),
    STRATA_OID(OID_GEN_SUPPORTED_GUIDS, Bytes),
    STRATA_OID(OID_GEN_NETWORK_LAYER_ADDRESSES, Bytes),
    STRATA_OID(OID_GEN_TRANSPORT_HEADER_OFFSET, Bytes),
    STRATA_OID(OID_GEN_MACHINE_NAME, UnicodeString),
    STRATA_OID(OID_GEN_RNDIS_CONFIG_PARAMETER, Bytes),
    STRATA_OID(OID_GEN_VLAN_ID, Ulong),
    STRATA_OID(OID_GEN_MEDIA_CAPABILITIES, MediaCapabilities),
    STRATA_OID(OID_GEN_PHYSICAL_MEDIUM, PhysicalMedium),
    // General statistics
    STRATA_OID(OID_GEN_XMIT_OK, Counter),
    STRATA_OID(OID_GEN_RCV_OK, Counter),
    STRATA_OID(OID_GEN_XMIT_ERROR, Counter),
    STRATA_OID(OID_GEN_RCV_ERROR, Counter),
    STRATA_OID(OID_GEN_RCV_NO_BUFFER, Counter),
    STRATA_OID(OID_GEN_DIRECTED_BYTES_XMIT, Counter),
    STRATA_OID(OID_GEN_DIRECTED_FRAMES_XMIT, Counter),
    STRATA_OID(OID_GEN_MULTICAST_BYTES_XMIT, Counter),
    STRATA_OID(OID_GEN_MULTICAST_FRAMES_XMIT, Counter),
    STRATA_OID(OID_GEN_BROADCAST_BYTES_XMIT, Counter),
    STRATA_OID(OID_GEN_BROADCAST_FRAMES_XMIT, Counter),
    STRATA_OID(OID_GEN_DIRECTED_BYTES_RCV, Counter),
    STRATA_OID(OID_GEN_DIRECTED_FRAMES_RCV, Counter),
    STRATA_OID(OID_GEN_MULTICAST_BYTES_RCV, Counter),
    STRATA_OID(OID_GEN_MULTICAST_FRAMES_RCV, Counter),
    STRATA_OID(OID_GEN_BROADCAST_BYTES_RCV, Counter),
    STRATA_OID(OID_GEN_BROADCAST_FRAMES_RCV, Counter),
    STRATA_OID(OID_GEN_RCV_CRC_ERROR, Counter),
    STRATA_OID(OID_GEN_TRANSMIT_QUEUE_LENGTH, Ulong),
    STRATA_OID(OID_GEN_GET_TIME_CAPS, Bytes),
    STRATA_OID(OID_GEN_GET_NETCARD_TIME, Counter),
    STRATA_OID(OID_GEN_NETCARD_LOAD, Ulong),
    STRATA_OID(OID_GEN_DEVICE_PROFILE, Bytes),
    STRATA_OID(OID_GEN_INIT_TIME_MS, Ulong),
    STRATA_OID(OID_GEN_RESET_COUNTS, Ulong),
    STRATA_OID(OID_GEN_MEDIA_SENSE_COUNTS, Ulong),
    STRATA_OID(OID_GEN_CO_MINIMUM_LINK_SPEED, Bytes),
    // 802.3
    STRATA_OID(OID_802_3_PERMANENT_ADDRESS, MacAddress),
    STRATA_OID(OID_802_3_CURRENT_ADDRESS, MacAddress),
    STRATA_OID(OID_802_3_MULTICAST_LIST, MacList),
    STRATA_OID(OID_802_3_MAXIMUM_LIST_SIZE, Ulong),
    STRATA_OID(OID_802_3_MAC_OPTIONS, Ieee8023MacOptions),
    STRATA_OID(OID_802_3_RCV_ERROR_ALIGNMENT, Counter),
    STRATA_OID(OID_802_3_XMIT_ONE_COLLISION, Counter),
    STRATA_OID(OID_802_3_XMIT_MORE_COLLISIONS, Counter),
    STRATA_OID(OID_802_3_XMIT_DEFERRED, Counter),
    STRATA_OID(OID_802_3_XMIT_MAX_COLLISIONS, Counter),
    STRATA_OID(OID_802_3_RCV_OVERRUN, Counter),
    STRATA_OID(OID_802_3_XMIT_UNDERRUN, Counter),
    STRATA_OID(OID_802_3_XMIT_HEARTBEAT_FAILURE, Counter),
    STRATA_OID(OID_802_3_XMIT_TIMES_CRS_LOST, Counter),
    STRATA_OID(OID_802_3_XMIT_LATE_COLLISIONS, Counter),
    // Power management and PnP (seed 003 §2.9)
    STRATA_OID(OID_PNP_CAPABILITIES, PnpCapabilities),
    STRATA_OID(OID_PNP_SET_POWER, DevicePowerState),
    STRATA_OID(OID_PNP_QUERY_POWER, DevicePowerState),
    STRATA_OID(OID_PNP_ADD_WAKE_UP_PATTERN, Bytes),
    STRATA_OID(OID_PNP_REMOVE_WAKE_UP_PATTERN, Bytes),
    STRATA_OID(OID_PNP_WAKE_UP_PATTERN_LIST, Bytes),
    STRATA_OID(OID_PNP_ENABLE_WAKE_UP, WakeUpFlags),
    STRATA_OID(OID_PNP_WAKE_UP_OK, Ulong),
    STRATA_OID(OID_PNP_WAKE_UP_ERROR, Ulong),
    // Task offload
    STRATA_OID(OID_TCP_TASK_OFFLOAD, Bytes),
    STRATA_OID(OID_TCP_TASK_IPSEC_ADD_SA, Bytes),
    STRATA_OID(OID_TCP_TASK_IPSEC_DELETE_SA, Bytes),
    STRATA_OID(OID_TCP_SAN_SUPPORT, Bytes),
};

#undef STRATA_OID

struct Named {
    std::uint32_t value;
    std::string_view name;
};

#define STRATA_NAMED(x) Named{static_cast<std::uint32_t>(x), #x}

constexpr std::array kStatuses = {
    STRATA_NAMED(NDIS_STATUS_SUCCESS), STRATA_NAMED(NDIS_STATUS_PENDING),
    STRATA_NAMED(NDIS_STATUS_NOT_RECOGNIZED), STRATA_NAMED(NDIS_STATUS_NOT_COPIED),
    STRATA_NAMED(NDIS_STATUS_NOT_ACCEPTED), STRATA_NAMED(NDIS_STATUS_CALL_ACTIVE),
    STRATA_NAMED(NDIS_STATUS_ONLINE), STRATA_NAMED(NDIS_STATUS_RESET_START),
    STRATA_NAMED(NDIS_STATUS_RESET_END), STRATA_NAMED(NDIS_STATUS_RING_STATUS),
    STRATA_NAMED(NDIS_STATUS_CLOSED), STRATA_NAMED(NDIS_STATUS_WAN_LINE_UP),
    STRATA_NAMED(NDIS_STATUS_WAN_LINE_DOWN), STRATA_NAMED(NDIS_STATUS_WAN_FRAGMENT),
    STRATA_NAMED(NDIS_STATUS_MEDIA_CONNECT), STRATA_NAMED(NDIS_STATUS_MEDIA_DISCONNECT),
    STRATA_NAMED(NDIS_STATUS_HARDWARE_LINE_UP), STRATA_NAMED(NDIS_STATUS_HARDWARE_LINE_DOWN),
    STRATA_NAMED(NDIS_STATUS_INTERFACE_UP), STRATA_NAMED(NDIS_STATUS_INTERFACE_DOWN),
    STRATA_NAMED(NDIS_STATUS_MEDIA_BUSY), STRATA_NAMED(NDIS_STATUS_MEDIA_SPECIFIC_INDICATION),
    STRATA_NAMED(NDIS_STATUS_LINK_SPEED_CHANGE), STRATA_NAMED(NDIS_STATUS_WAN_GET_STATS),
    STRATA_NAMED(NDIS_STATUS_WAN_CO_FRAGMENT), STRATA_NAMED(NDIS_STATUS_WAN_CO_LINKPARAMS),
    STRATA_NAMED(NDIS_STATUS_NOT_RESETTABLE), STRATA_NAMED(NDIS_STATUS_SOFT_ERRORS),
    STRATA_NAMED(NDIS_STATUS_HARD_ERRORS), STRATA_NAMED(NDIS_STATUS_BUFFER_OVERFLOW),
    STRATA_NAMED(NDIS_STATUS_FAILURE), STRATA_NAMED(NDIS_STATUS_RESOURCES),
    STRATA_NAMED(NDIS_STATUS_CLOSING), STRATA_NAMED(NDIS_STATUS_BAD_VERSION),
    STRATA_NAMED(NDIS_STATUS_BAD_CHARACTERISTICS), STRATA_NAMED(NDIS_STATUS_ADAPTER_NOT_FOUND),
    STRATA_NAMED(NDIS_STATUS_OPEN_FAILED), STRATA_NAMED(NDIS_STATUS_DEVICE_FAILED),
    STRATA_NAMED(NDIS_STATUS_MULTICAST_FULL), STRATA_NAMED(NDIS_STATUS_MULTICAST_EXISTS),
    STRATA_NAMED(NDIS_STATUS_MULTICAST_NOT_FOUND), STRATA_NAMED(NDIS_STATUS_REQUEST_ABORTED),
    STRATA_NAMED(NDIS_STATUS_RESET_IN_PROGRESS), STRATA_NAMED(NDIS_STATUS_CLOSING_INDICATING),
    STRATA_NAMED(NDIS_STATUS_NOT_SUPPORTED), STRATA_NAMED(NDIS_STATUS_INVALID_PACKET),
    STRATA_NAMED(NDIS_STATUS_OPEN_LIST_FULL), STRATA_NAMED(NDIS_STATUS_ADAPTER_NOT_READY),
    STRATA_NAMED(NDIS_STATUS_ADAPTER_NOT_OPEN), STRATA_NAMED(NDIS_STATUS_NOT_INDICATING),
    STRATA_NAMED(NDIS_STATUS_INVALID_LENGTH), STRATA_NAMED(NDIS_STATUS_INVALID_DATA),
    STRATA_NAMED(NDIS_STATUS_BUFFER_TOO_SHORT), STRATA_NAMED(NDIS_STATUS_INVALID_OID),
    STRATA_NAMED(NDIS_STATUS_ADAPTER_REMOVED), STRATA_NAMED(NDIS_STATUS_UNSUPPORTED_MEDIA),
    STRATA_NAMED(NDIS_STATUS_GROUP_ADDRESS_IN_USE), STRATA_NAMED(NDIS_STATUS_FILE_NOT_FOUND),
    STRATA_NAMED(NDIS_STATUS_ERROR_READING_FILE), STRATA_NAMED(NDIS_STATUS_ALREADY_MAPPED),
    STRATA_NAMED(NDIS_STATUS_RESOURCE_CONFLICT), STRATA_NAMED(NDIS_STATUS_NO_CABLE),
    STRATA_NAMED(NDIS_STATUS_INVALID_SAP), STRATA_NAMED(NDIS_STATUS_SAP_IN_USE),
    STRATA_NAMED(NDIS_STATUS_INVALID_ADDRESS), STRATA_NAMED(NDIS_STATUS_VC_NOT_ACTIVATED),
    STRATA_NAMED(NDIS_STATUS_DEST_OUT_OF_ORDER), STRATA_NAMED(NDIS_STATUS_VC_NOT_AVAILABLE),
    STRATA_NAMED(NDIS_STATUS_CELLRATE_NOT_AVAILABLE), STRATA_NAMED(NDIS_STATUS_INCOMPATABLE_QOS),
    STRATA_NAMED(NDIS_STATUS_AAL_PARAMS_UNSUPPORTED), STRATA_NAMED(NDIS_STATUS_NO_ROUTE_TO_DESTINATION),
    STRATA_NAMED(NDIS_STATUS_TOKEN_RING_OPEN_ERROR), STRATA_NAMED(NDIS_STATUS_INVALID_DEVICE_REQUEST),
    STRATA_NAMED(NDIS_STATUS_NETWORK_UNREACHABLE),
};

constexpr std::array kMedia = {
    STRATA_NAMED(NdisMedium802_3),      STRATA_NAMED(NdisMedium802_5),       STRATA_NAMED(NdisMediumFddi),
    STRATA_NAMED(NdisMediumWan),        STRATA_NAMED(NdisMediumLocalTalk),   STRATA_NAMED(NdisMediumDix),
    STRATA_NAMED(NdisMediumArcnetRaw),  STRATA_NAMED(NdisMediumArcnet878_2), STRATA_NAMED(NdisMediumAtm),
    STRATA_NAMED(NdisMediumWirelessWan), STRATA_NAMED(NdisMediumIrda),       STRATA_NAMED(NdisMediumBpc),
    STRATA_NAMED(NdisMediumCoWan),      STRATA_NAMED(NdisMedium1394),        STRATA_NAMED(NdisMediumInfiniBand),
    STRATA_NAMED(NdisMediumTunnel),     STRATA_NAMED(NdisMediumNative802_11), STRATA_NAMED(NdisMediumLoopback),
};

// NDIS_MEDIA_STATE, printed without its NdisMediaState prefix.
constexpr std::array kMediaStates = {
    Named{NdisMediaStateConnected, "Connected"},
    Named{NdisMediaStateDisconnected, "Disconnected"},
};

constexpr std::array kHardwareStatuses = {
    STRATA_NAMED(NdisHardwareStatusReady),   STRATA_NAMED(NdisHardwareStatusInitializing),
    STRATA_NAMED(NdisHardwareStatusReset),   STRATA_NAMED(NdisHardwareStatusClosing),
    STRATA_NAMED(NdisHardwareStatusNotReady),
};

constexpr std::array kPhysicalMedia = {
    STRATA_NAMED(NdisPhysicalMediumUnspecified), STRATA_NAMED(NdisPhysicalMediumWirelessLan),
    STRATA_NAMED(NdisPhysicalMediumCableModem),  STRATA_NAMED(NdisPhysicalMediumPhoneLine),
    STRATA_NAMED(NdisPhysicalMediumPowerLine),   STRATA_NAMED(NdisPhysicalMediumDSL),
    STRATA_NAMED(NdisPhysicalMediumFibreChannel), STRATA_NAMED(NdisPhysicalMedium1394),
    STRATA_NAMED(NdisPhysicalMediumWirelessWan), STRATA_NAMED(NdisPhysicalMediumNative802_11),
    STRATA_NAMED(NdisPhysicalMediumBluetooth),
};

constexpr std::array kPowerStates = {
    STRATA_NAMED(NdisDeviceStateUnspecified), STRATA_NAMED(NdisDeviceStateD0), STRATA_NAMED(NdisDeviceStateD1),
    STRATA_NAMED(NdisDeviceStateD2),          STRATA_NAMED(NdisDeviceStateD3),
};

constexpr std::array kPacketFilterBits = {
    STRATA_NAMED(NDIS_PACKET_TYPE_DIRECTED),       STRATA_NAMED(NDIS_PACKET_TYPE_MULTICAST),
    STRATA_NAMED(NDIS_PACKET_TYPE_ALL_MULTICAST),  STRATA_NAMED(NDIS_PACKET_TYPE_BROADCAST),
    STRATA_NAMED(NDIS_PACKET_TYPE_SOURCE_ROUTING), STRATA_NAMED(NDIS_PACKET_TYPE_PROMISCUOUS),
    STRATA_NAMED(NDIS_PACKET_TYPE_SMT),            STRATA_NAMED(NDIS_PACKET_TYPE_ALL_LOCAL),
    STRATA_NAMED(NDIS_PACKET_TYPE_GROUP),          STRATA_NAMED(NDIS_PACKET_TYPE_ALL_FUNCTIONAL),
    STRATA_NAMED(NDIS_PACKET_TYPE_FUNCTIONAL),     STRATA_NAMED(NDIS_PACKET_TYPE_MAC_FRAME),
};

constexpr std::array kMacOptionBits = {
    STRATA_NAMED(NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA), STRATA_NAMED(NDIS_MAC_OPTION_RECEIVE_SERIALIZED),
    STRATA_NAMED(NDIS_MAC_OPTION_TRANSFERS_NOT_PEND),  STRATA_NAMED(NDIS_MAC_OPTION_NO_LOOPBACK),
    STRATA_NAMED(NDIS_MAC_OPTION_FULL_DUPLEX),         STRATA_NAMED(NDIS_MAC_OPTION_EOTX_INDICATION),
    STRATA_NAMED(NDIS_MAC_OPTION_8021P_PRIORITY),      STRATA_NAMED(NDIS_MAC_OPTION_SUPPORTS_MAC_ADDRESS_OVERWRITE),
    STRATA_NAMED(NDIS_MAC_OPTION_RECEIVE_AT_DPC),      STRATA_NAMED(NDIS_MAC_OPTION_8021Q_VLAN),
    STRATA_NAMED(NDIS_MAC_OPTION_RESERVED),
};

constexpr std::array kProtocolOptionBits = {
    STRATA_NAMED(NDIS_PROT_OPTION_ESTIMATED_LENGTH),  STRATA_NAMED(NDIS_PROT_OPTION_NO_LOOPBACK),
    STRATA_NAMED(NDIS_PROT_OPTION_NO_RSVD_ON_RCVPKT), STRATA_NAMED(NDIS_PROT_OPTION_SEND_RESTRICTED),
};

constexpr std::array kMediaCapabilityBits = {
    STRATA_NAMED(NDIS_MEDIA_CAP_TRANSMIT),
    STRATA_NAMED(NDIS_MEDIA_CAP_RECEIVE),
};

constexpr std::array kWakeUpBits = {
    STRATA_NAMED(NDIS_DEVICE_WAKE_UP_ENABLE),
    STRATA_NAMED(NDIS_DEVICE_WAKE_ON_PATTERN_MATCH_ENABLE),
    STRATA_NAMED(NDIS_DEVICE_WAKE_ON_MAGIC_PACKET_ENABLE),
};

constexpr std::array k8023MacOptionBits = {
    STRATA_NAMED(NDIS_802_3_MAC_OPTION_PRIORITY),
};

#undef STRATA_NAMED

// A set of names with the prefix a user may leave out (NdisDeviceState for D3).
struct NameSet {
    std::span<const Named> names;
    std::string_view prefix;
};

constexpr NameSet kMediumSet{kMedia, "NdisMedium"};
constexpr NameSet kMediaStateSet{kMediaStates, "NdisMediaState"};
constexpr NameSet kHardwareStatusSet{kHardwareStatuses, "NdisHardwareStatus"};
constexpr NameSet kPhysicalMediumSet{kPhysicalMedia, "NdisPhysicalMedium"};
constexpr NameSet kPowerStateSet{kPowerStates, "NdisDeviceState"};
constexpr NameSet kPacketFilterSet{kPacketFilterBits, "NDIS_PACKET_TYPE_"};
constexpr NameSet kMacOptionSet{kMacOptionBits, "NDIS_MAC_OPTION_"};
constexpr NameSet kProtocolOptionSet{kProtocolOptionBits, "NDIS_PROT_OPTION_"};
constexpr NameSet kMediaCapabilitySet{kMediaCapabilityBits, "NDIS_MEDIA_CAP_"};
constexpr NameSet kWakeUpSet{kWakeUpBits, "NDIS_DEVICE_"};
constexpr NameSet k8023MacOptionSet{k8023MacOptionBits, "NDIS_802_3_MAC_OPTION_"};

static_assert(sizeof(NDIS_OID) == 4 && sizeof(NDIS_MEDIUM) == 4 && sizeof(NDIS_DEVICE_POWER_STATE) == 4);
static_assert(sizeof(NDIS_PNP_CAPABILITIES) == 16, "Flags and three NDIS_DEVICE_POWER_STATE values");

// ---- Small helpers --------------------------------------------------------------------------

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        std::size_t at = text.find(separator);
        parts.push_back(trim(text.substr(0, at)));
        if (at == std::string_view::npos) return parts;
        text.remove_prefix(at + 1);
    }
}

std::string hex32(std::uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", value);
    return text;
}

// A whole decimal or 0x-hex number no larger than `max`.
std::optional<std::uint64_t> parse_number(std::string_view text, std::uint64_t max) {
    text = trim(text);
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    if (text.empty()) return std::nullopt;
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (error != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
    return value;
}

std::vector<std::uint8_t> ulong_bytes(std::uint32_t value) {
    std::vector<std::uint8_t> bytes(sizeof value);
    std::memcpy(bytes.data(), &value, sizeof value);
    return bytes;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string text;
    for (const std::string& p : parts) {
        if (!text.empty()) text += separator;
        text += p;
    }
    return text;
}

// An information buffer. Decoders check its length once against their layout (fits()); the
// element reads after that cannot leave the buffer.
class InfoView {
public:
    explicit InfoView(std::span<const std::uint8_t> data) : data_(data) {}

    std::size_t size() const { return data_.size(); }
    // Whether the buffer is a whole, non-empty array of T (exactly one when `one`).
    template <typename T>
    bool fits(bool one) const {
        return one ? data_.size() == sizeof(T) : !data_.empty() && data_.size() % sizeof(T) == 0;
    }
    template <typename T>
    std::size_t count() const {
        return data_.size() / sizeof(T);
    }
    template <typename T>
    T at(std::size_t index) const {
        T value{};
        if ((index + 1) * sizeof(T) <= data_.size()) std::memcpy(&value, data_.data() + index * sizeof(T), sizeof(T));
        return value;
    }
    std::span<const std::uint8_t> bytes() const { return data_; }

private:
    std::span<const std::uint8_t> data_;
};

// ---- Names ----------------------------------------------------------------------------------

const Named* find_named(std::span<const Named> names, std::uint32_t value) {
    for (const Named& n : names)
        if (n.value == value) return &n;
    return nullptr;
}

// The full name, the name without the set's prefix, or (for names printed without it, such as
// Connected) the prefix and the name; case-insensitive.
std::optional<std::uint32_t> parse_name(const NameSet& set, std::string_view token) {
    const std::string_view prefix = set.prefix;
    for (const Named& n : set.names) {
        bool has_prefix = n.name.size() > prefix.size() && iequals(prefix, n.name.substr(0, prefix.size()));
        if (iequals(token, n.name) || (has_prefix && iequals(token, n.name.substr(prefix.size()))) ||
            (!has_prefix && token.size() > prefix.size() && iequals(token.substr(0, prefix.size()), prefix) &&
             iequals(token.substr(prefix.size()), n.name)))
            return n.value;
    }
    return std::nullopt;
}

DecodedValue decode_enum(const NameSet& set, std::uint32_t value) {
    if (const Named* n = find_named(set.names, value)) return {std::string(n->name), std::string(n->name)};
    return {std::to_string(value) + " (not a " + std::string(set.prefix) + "* value)", value};
}

DecodedValue decode_flags(const NameSet& set, std::uint32_t value) {
    std::vector<std::string> names;
    std::uint32_t rest = value;
    for (const Named& n : set.names) {
        if ((value & n.value) == n.value && n.value != 0) {
            names.emplace_back(n.name);
            rest &= ~n.value;
        }
    }
    if (rest != 0) names.push_back(hex32(rest));
    if (names.empty()) return {"0", nlohmann::json::array()};
    return {join(names, "|") + " (" + hex32(value) + ")", names};
}

std::optional<std::uint32_t> parse_flags(const NameSet& set, std::string_view text) {
    if (auto number = parse_number(text, 0xFFFFFFFF)) return static_cast<std::uint32_t>(*number);
    std::uint32_t bits = 0;
    for (std::string_view token : split(text, '|')) {
        if (auto named = parse_name(set, token)) bits |= *named;
        else if (auto number = parse_number(token, 0xFFFFFFFF)) bits |= static_cast<std::uint32_t>(*number);
        else return std::nullopt;
    }
    return bits;
}

std::optional<std::uint32_t> parse_enum(const NameSet& set, std::string_view text) {
    text = trim(text);
    if (auto named = parse_name(set, text)) return named;
    if (auto number = parse_number(text, 0xFFFFFFFF)) return static_cast<std::uint32_t>(*number);
    return std::nullopt;
}

// ---- Values ---------------------------------------------------------------------------------

std::string mac_text(const std::uint8_t* b) {
    char text[24];
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return text;
}

std::optional<std::array<std::uint8_t, ETH_LENGTH_OF_ADDRESS>> parse_mac(std::string_view text) {
    text = trim(text);
    std::array<std::uint8_t, ETH_LENGTH_OF_ADDRESS> mac{};
    std::vector<std::string_view> parts = split(text, text.find('-') != std::string_view::npos ? '-' : ':');
    if (parts.size() != mac.size()) return std::nullopt;
    for (std::size_t i = 0; i < mac.size(); ++i) {
        if (parts[i].empty() || parts[i].size() > 2) return std::nullopt;
        unsigned value = 0;
        auto [end, error] = std::from_chars(parts[i].data(), parts[i].data() + parts[i].size(), value, 16);
        if (error != std::errc() || end != parts[i].data() + parts[i].size()) return std::nullopt;
        mac[i] = static_cast<std::uint8_t>(value);
    }
    return mac;
}

// Printable ASCII kept, everything else as \xNN: one line, valid UTF-8.
std::string escaped(std::string_view raw) {
    std::string out;
    for (char c : raw) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7F && c != '\\') {
            out += c;
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        }
    }
    return out;
}

std::string link_speed_text(std::uint32_t units) {
    std::uint64_t bps = std::uint64_t{units} * 100;
    char text[48];
    if (bps != 0 && bps % 1'000'000'000 == 0) std::snprintf(text, sizeof text, "%u (%llu Gbps)", units, static_cast<unsigned long long>(bps / 1'000'000'000));
    else if (bps != 0 && bps % 1'000'000 == 0) std::snprintf(text, sizeof text, "%u (%llu Mbps)", units, static_cast<unsigned long long>(bps / 1'000'000));
    else if (bps != 0 && bps % 1'000 == 0) std::snprintf(text, sizeof text, "%u (%llu kbps)", units, static_cast<unsigned long long>(bps / 1'000));
    else std::snprintf(text, sizeof text, "%u (%llu bps)", units, static_cast<unsigned long long>(bps));
    return text;
}

// What a buffer of `type` holds, for the note on a buffer that does not fit it.
std::string_view layout(OidType type) {
    switch (type) {
    case OidType::Ulong:
    case OidType::LinkSpeed:
    case OidType::VendorDriverVersion:
    case OidType::VendorId: return "a ULONG";
    case OidType::Counter: return "a ULONG64 or ULONG";
    case OidType::MacAddress: return "a 6-byte MAC address";
    case OidType::MacList: return "6-byte MAC addresses";
    case OidType::Medium: return "NDIS_MEDIUM values";
    case OidType::MediaState: return "an NDIS_MEDIA_STATE";
    case OidType::HardwareStatus: return "an NDIS_HARDWARE_STATUS";
    case OidType::PhysicalMedium: return "an NDIS_PHYSICAL_MEDIUM";
    case OidType::DevicePowerState: return "an NDIS_DEVICE_POWER_STATE";
    case OidType::PacketFilter:
    case OidType::MacOptions:
    case OidType::ProtocolOptions:
    case OidType::MediaCapabilities:
    case OidType::WakeUpFlags:
    case OidType::Ieee8023MacOptions: return "a ULONG of flags";
    case OidType::AnsiString: return "ANSI text";
    case OidType::UnicodeString: return "WCHAR text";
    case OidType::OidList: return "NDIS_OID values";
    case OidType::DriverVersion: return "a USHORT version";
    case OidType::PnpCapabilities: return "an NDIS_PNP_CAPABILITIES";
    case OidType::Bytes: return "bytes";
    }
    return "bytes";
}

const NameSet* flag_set(OidType type) {
    switch (type) {
    case OidType::PacketFilter: return &kPacketFilterSet;
    case OidType::MacOptions: return &kMacOptionSet;
    case OidType::ProtocolOptions: return &kProtocolOptionSet;
    case OidType::MediaCapabilities: return &kMediaCapabilitySet;
    case OidType::WakeUpFlags: return &kWakeUpSet;
    case OidType::Ieee8023MacOptions: return &k8023MacOptionSet;
    default: return nullptr;
    }
}

const NameSet* enum_set(OidType type) {
    switch (type) {
    case OidType::Medium: return &kMediumSet;
    case OidType::MediaState: return &kMediaStateSet;
    case OidType::HardwareStatus: return &kHardwareStatusSet;
    case OidType::PhysicalMedium: return &kPhysicalMediumSet;
    case OidType::DevicePowerState: return &kPowerStateSet;
    default: return nullptr;
    }
}

DecodedValue as_bytes(const InfoView& view) {
    if (view.size() == 0) return {"(empty)", ""};
    std::string hex = hex_bytes(view.bytes());
    return {hex, hex};
}

// The typed decoding; nullopt when the buffer does not fit the type.
std::optional<DecodedValue> decode_typed(OidType type, const InfoView& view) {
    if (const NameSet* set = flag_set(type)) {
        if (!view.fits<ULONG>(true)) return std::nullopt;
        return decode_flags(*set, view.at<ULONG>(0));
    }
    if (type == OidType::Medium) {
        // An array of NDIS_MEDIUM: one name, or a list when the miniport supports several.
        if (!view.fits<ULONG>(false)) return std::nullopt;
        if (view.count<ULONG>() == 1) return decode_enum(kMediumSet, view.at<ULONG>(0));
        DecodedValue out{"", nlohmann::json::array()};
        std::vector<std::string> names;
        for (std::size_t i = 0; i < view.count<ULONG>(); ++i) {
            DecodedValue one = decode_enum(kMediumSet, view.at<ULONG>(i));
            names.push_back(one.text);
            out.json.push_back(one.json);
        }
        out.text = join(names, ", ");
        return out;
    }
    if (const NameSet* set = enum_set(type)) {
        if (!view.fits<ULONG>(true)) return std::nullopt;
        return decode_enum(*set, view.at<ULONG>(0));
    }
    switch (type) {
    case OidType::Ulong: {
        if (!view.fits<ULONG>(true)) return std::nullopt;
        ULONG v = view.at<ULONG>(0);
        return DecodedValue{std::to_string(v), v};
    }
    case OidType::Counter: {
        if (view.fits<ULONG64>(true)) {
            ULONG64 v = view.at<ULONG64>(0);
            return DecodedValue{std::to_string(v), v};
        }
        if (!view.fits<ULONG>(true)) return std::nullopt;
        ULONG v = view.at<ULONG>(0);
        return DecodedValue{std::to_string(v), v};
    }
    case OidType::LinkSpeed: {
        if (!view.fits<ULONG>(true)) return std::nullopt;
        ULONG v = view.at<ULONG>(0);
        return DecodedValue{link_speed_text(v), v};
    }
    case OidType::MacAddress: {
        if (view.size() != ETH_LENGTH_OF_ADDRESS) return std::nullopt;
        std::string mac = mac_text(view.bytes().data());
        return DecodedValue{mac, mac};
    }
    case OidType::MacList: {
        if (view.size() % ETH_LENGTH_OF_ADDRESS != 0) return std::nullopt;
        std::vector<std::string> macs;
        for (std::size_t at = 0; at < view.size(); at += ETH_LENGTH_OF_ADDRESS)
            macs.push_back(mac_text(view.bytes().data() + at));
        return DecodedValue{macs.empty() ? "(empty)" : join(macs, ", "), macs};
    }
    case OidType::AnsiString: {
        auto b = view.bytes();
        std::string_view raw(reinterpret_cast<const char*>(b.data()), b.size());
        raw = raw.substr(0, raw.find('\0'));
        std::string text = escaped(raw);
        return DecodedValue{"\"" + text + "\"", text};
    }
    case OidType::UnicodeString: {
        if (view.size() % sizeof(WCHAR) != 0) return std::nullopt;
        std::u16string wide;
        for (std::size_t i = 0; i < view.count<WCHAR>(); ++i) wide += static_cast<char16_t>(view.at<WCHAR>(i));
        wide = wide.substr(0, wide.find(u'\0'));
        std::string utf8 = ntos::to_utf8(wide);
        std::string line;
        for (char c : utf8) {
            if (static_cast<unsigned char>(c) < 0x20) line += escaped(std::string_view(&c, 1));
            else line += c;
        }
        return DecodedValue{"\"" + line + "\"", utf8};
    }
    case OidType::OidList: {
        if (view.size() % sizeof(NDIS_OID) != 0) return std::nullopt;
        std::vector<std::string> names;
        for (std::size_t i = 0; i < view.count<NDIS_OID>(); ++i) names.push_back(oid_name(view.at<NDIS_OID>(i)));
        return DecodedValue{names.empty() ? "(empty)" : join(names, ", "), names};
    }
    case OidType::DriverVersion: {
        // A USHORT; some drivers answer a ULONG with the version in its low word.
        if (!view.fits<USHORT>(true) && !view.fits<ULONG>(true)) return std::nullopt;
        unsigned v = view.size() == sizeof(USHORT) ? view.at<USHORT>(0) : view.at<ULONG>(0) & 0xFFFF;
        std::string text = std::to_string(v >> 8) + "." + std::to_string(v & 0xFF);
        return DecodedValue{text, text};
    }
    case OidType::VendorDriverVersion: {
        if (!view.fits<ULONG>(true)) return std::nullopt;
        ULONG v = view.at<ULONG>(0);
        std::string text = std::to_string(v >> 16) + "." + std::to_string(v & 0xFFFF);
        return DecodedValue{text, text};
    }
    case OidType::VendorId: {
        if (!view.fits<ULONG>(true)) return std::nullopt;
        std::string text = hex32(view.at<ULONG>(0));
        return DecodedValue{text, text};
    }
    case OidType::PnpCapabilities: {
        if (!view.fits<NDIS_PNP_CAPABILITIES>(true)) return std::nullopt;
        auto c = view.at<NDIS_PNP_CAPABILITIES>(0);
        auto state = [](NDIS_DEVICE_POWER_STATE s) { return decode_enum(kPowerStateSet, static_cast<std::uint32_t>(s)); };
        DecodedValue magic = state(c.WakeUpCapabilities.MinMagicPacketWakeUp);
        DecodedValue pattern = state(c.WakeUpCapabilities.MinPatternWakeUp);
        DecodedValue link = state(c.WakeUpCapabilities.MinLinkChangeWakeUp);
        return DecodedValue{"Flags " + hex32(c.Flags) + ", MinMagicPacketWakeUp " + magic.text + ", MinPatternWakeUp " +
                                pattern.text + ", MinLinkChangeWakeUp " + link.text,
                            {{"flags", c.Flags},
                             {"min_magic_packet_wake_up", magic.json},
                             {"min_pattern_wake_up", pattern.json},
                             {"min_link_change_wake_up", link.json}}};
    }
    case OidType::Bytes: return as_bytes(view);
    default: return std::nullopt;
    }
}

// What `type` accepts as a set VALUE, for the error naming a VALUE that does not parse.
std::string expected(OidType type) {
    if (const NameSet* set = flag_set(type))
        return std::string(set->prefix) + "* names joined by | (e.g. " + std::string(set->names.front().name) +
               ") or a number";
    if (const NameSet* set = enum_set(type))
        return "a name such as " + std::string(set->names.front().name) + " (the " + std::string(set->prefix) +
               " prefix optional)" + (type == OidType::Medium ? ", a comma list of them," : "") + " or a number";
    switch (type) {
    case OidType::Ulong:
    case OidType::VendorId: return "a number (decimal or 0x hex) up to 0xFFFFFFFF";
    case OidType::LinkSpeed: return "a number of 100 bit/s units up to 0xFFFFFFFF";
    case OidType::Counter: return "a number (decimal or 0x hex)";
    case OidType::MacAddress: return "a MAC address like 02:00:5e:00:00:01";
    case OidType::MacList: return "MAC addresses like 01:00:5e:00:00:01 separated by commas, or \"\" for none";
    case OidType::OidList: return "OID names or numbers separated by commas";
    case OidType::DriverVersion: return "a version MAJOR.MINOR such as 5.1, or a number";
    case OidType::VendorDriverVersion: return "a version MAJOR.MINOR such as 1.0, or a number";
    case OidType::UnicodeString:
    case OidType::AnsiString: return "text";
    default: return "hex bytes such as 01ff00";
    }
}

std::optional<std::vector<std::uint8_t>> encode_typed(OidType type, std::string_view text) {
    if (const NameSet* set = flag_set(type)) {
        auto bits = parse_flags(*set, text);
        if (!bits) return std::nullopt;
        return ulong_bytes(*bits);
    }
    if (type == OidType::Medium) {
        std::vector<std::uint8_t> out;
        for (std::string_view token : split(text, ',')) {
            auto v = parse_enum(kMediumSet, token);
            if (!v) return std::nullopt;
            auto bytes = ulong_bytes(*v);
            out.insert(out.end(), bytes.begin(), bytes.end());
        }
        return out;
    }
    if (const NameSet* set = enum_set(type)) {
        auto v = parse_enum(*set, text);
        if (!v) return std::nullopt;
        return ulong_bytes(*v);
    }
    auto version = [&](unsigned major_max, unsigned minor_bits) -> std::optional<std::uint32_t> {
        std::string_view t = trim(text);
        std::size_t dot = t.find('.');
        if (dot == std::string_view::npos) {
            auto n = parse_number(t, (std::uint64_t{1} << (2 * minor_bits)) - 1);
            if (!n) return std::nullopt;
            return static_cast<std::uint32_t>(*n);
        }
        auto major = parse_number(t.substr(0, dot), major_max);
        auto minor = parse_number(t.substr(dot + 1), (1u << minor_bits) - 1);
        if (!major || !minor || t.substr(dot + 1).starts_with("0x")) return std::nullopt;
        return static_cast<std::uint32_t>((*major << minor_bits) | *minor);
    };
    switch (type) {
    case OidType::Ulong:
    case OidType::LinkSpeed:
    case OidType::VendorId: {
        auto v = parse_number(text, 0xFFFFFFFF);
        if (!v) return std::nullopt;
        return ulong_bytes(static_cast<std::uint32_t>(*v));
    }
    case OidType::Counter: {
        auto v = parse_number(text, std::numeric_limits<std::uint64_t>::max());
        if (!v) return std::nullopt;
        std::vector<std::uint8_t> bytes(sizeof(ULONG64));
        std::memcpy(bytes.data(), &*v, sizeof(ULONG64));
        return bytes;
    }
    case OidType::MacAddress: {
        auto mac = parse_mac(text);
        if (!mac) return std::nullopt;
        return std::vector<std::uint8_t>(mac->begin(), mac->end());
    }
    case OidType::MacList: {
        std::vector<std::uint8_t> out;
        if (trim(text).empty()) return out;
        for (std::string_view token : split(text, ',')) {
            auto mac = parse_mac(token);
            if (!mac) return std::nullopt;
            out.insert(out.end(), mac->begin(), mac->end());
        }
        return out;
    }
    case OidType::OidList: {
        std::vector<std::uint8_t> out;
        for (std::string_view token : split(text, ',')) {
            auto oid = parse_oid(token);
            if (!oid) return std::nullopt;
            auto bytes = ulong_bytes(*oid);
            out.insert(out.end(), bytes.begin(), bytes.end());
        }
        return out;
    }
    case OidType::DriverVersion: {
        auto v = version(0xFF, 8);
        if (!v) return std::nullopt;
        auto u = static_cast<USHORT>(*v);
        std::vector<std::uint8_t> bytes(sizeof u);
        std::memcpy(bytes.data(), &u, sizeof u);
        return bytes;
    }
    case OidType::VendorDriverVersion: {
        auto v = version(0xFFFF, 16);
        if (!v) return std::nullopt;
        return ulong_bytes(*v);
    }
    case OidType::AnsiString: {
        std::vector<std::uint8_t> out(text.begin(), text.end());
        out.push_back(0);
        return out;
    }
    case OidType::UnicodeString: {
        std::u16string wide = ntos::to_utf16(text);
        std::vector<std::uint8_t> out(wide.size() * sizeof(char16_t));
        if (!wide.empty()) std::memcpy(out.data(), wide.data(), out.size());
        return out;
    }
    default: return parse_hex_bytes(text);
    }
}

}  // namespace

std::span<const OidInfo> oid_table() { return kOids; }

const OidInfo* find_oid(NDIS_OID oid) {
    for (const OidInfo& info : kOids)
        if (info.oid == oid) return &info;
    return nullptr;
}

std::optional<NDIS_OID> parse_oid(std::string_view text) {
    text = trim(text);
    if (auto number = parse_number(text, 0xFFFFFFFF)) return static_cast<NDIS_OID>(*number);
    for (const OidInfo& info : kOids)
        if (iequals(text, info.name) || iequals(text, info.name.substr(4))) return info.oid;
    return std::nullopt;
}

std::string oid_hex(NDIS_OID oid) { return hex32(oid); }

std::string oid_name(NDIS_OID oid) {
    const OidInfo* info = find_oid(oid);
    return info != nullptr ? std::string(info->name) : hex32(oid);
}

std::string status_name(NDIS_STATUS status) {
    if (const Named* n = find_named(kStatuses, static_cast<std::uint32_t>(status))) return std::string(n->name);
    return hex32(static_cast<std::uint32_t>(status));
}

DecodedValue decode_oid_value(NDIS_OID oid, std::span<const std::uint8_t> data) {
    InfoView view(data);
    const OidInfo* info = find_oid(oid);
    OidType type = info != nullptr ? info->type : OidType::Bytes;
    if (std::optional<DecodedValue> typed = decode_typed(type, view)) return *typed;
    DecodedValue raw = as_bytes(view);
    raw.text += " (" + std::to_string(view.size()) + " bytes; expected " + std::string(layout(type)) + ")";
    return raw;
}

std::optional<std::vector<std::uint8_t>> encode_oid_value(NDIS_OID oid, std::string_view text, std::string* why) {
    const OidInfo* info = find_oid(oid);
    OidType type = info != nullptr ? info->type : OidType::Bytes;
    std::optional<std::vector<std::uint8_t>> bytes = encode_typed(type, text);
    if (!bytes && why != nullptr) *why = "expected " + expected(type);
    return bytes;
}

std::string hex_bytes(std::span<const std::uint8_t> data) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string text;
    text.reserve(data.size() * 2);
    for (std::uint8_t b : data) {
        text += kDigits[b >> 4];
        text += kDigits[b & 0xF];
    }
    return text;
}

std::optional<std::vector<std::uint8_t>> parse_hex_bytes(std::string_view text) {
    text = trim(text);
    if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
    if (text.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> bytes;
    bytes.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        unsigned value = 0;
        auto [end, error] = std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
        if (error != std::errc() || end != text.data() + i + 2) return std::nullopt;
        bytes.push_back(static_cast<std::uint8_t>(value));
    }
    return bytes;
}

}  // namespace strata::host
