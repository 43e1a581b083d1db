// oid_commands.cpp — `strata oid query|set ADAPTER OID [VALUE]`: one OID request to an adapter
// or virtual miniport in the running host, through the host's own protocol open (seed 003
// §2.4.3; host/oid_client.h), with the value decoded or encoded by the OID's type
// (host/oid_table.h). Exit 1 when the request fails, 2 for an unknown adapter, OID or VALUE.
#include <cstdio>
#include <memory>

#include "cli.h"
#include "host/oid_table.h"

namespace strata::cli {
namespace {

struct OidOptions {
    std::string adapter;
    std::string oid;
    std::string value;
    ULONG buffer_length = 0;
};

NDIS_OID parse_oid_argument(const std::string& text) {
    std::optional<NDIS_OID> oid = host::parse_oid(text);
    if (!oid)
        throw UsageError("unknown OID \"" + text + "\": give a name from ntddndis.h (OID_GEN_MAXIMUM_FRAME_SIZE, "
                         "the OID_ prefix optional) or a number (0x00010106)");
    return *oid;
}

// `OID_GEN_MAXIMUM_FRAME_SIZE (0x00010106)`, or just the number for an OID not in the table.
std::string oid_label(NDIS_OID oid) {
    const host::OidInfo* info = host::find_oid(oid);
    return info != nullptr ? std::string(info->name) + " (" + host::oid_hex(oid) + ")" : host::oid_hex(oid);
}

// Runs the request in the host; prints the result (JSON or one line). A failed status or an
// open that failed is a RunError after the output.
void run_oid(const Context& context, const OidOptions& options, bool set, const CLI::App& command) {
    NDIS_OID oid = parse_oid_argument(options.oid);
    std::string op = set ? "set" : "query";
    nlohmann::json request = {{"cmd", "oid"}, {"op", op}, {"adapter", options.adapter}, {"oid", oid}};
    std::vector<std::uint8_t> data;
    if (set) {
        std::string why;
        std::optional<std::vector<std::uint8_t>> encoded = host::encode_oid_value(oid, options.value, &why);
        if (!encoded)
            throw UsageError("oid set " + options.adapter + " " + host::oid_name(oid) + ": bad value \"" + options.value +
                             "\": " + why);
        data = std::move(*encoded);
        request["data"] = host::hex_bytes(data);
    } else if (command.count("--buffer-length") > 0) {
        request["length"] = options.buffer_length;
    }
    nlohmann::json reply = require_host(context, request);
    std::string where = "oid " + op + " " + options.adapter + " " + oid_label(oid);
    if (reply.contains("failure")) throw RunError(where + ": " + reply.value("failure", ""));

    std::string status = reply.value("status", "");
    bool ok = status == "NDIS_STATUS_SUCCESS";
    std::vector<std::uint8_t> answer = host::parse_hex_bytes(reply.value("data", "")).value_or(std::vector<std::uint8_t>{});
    host::DecodedValue decoded;
    if (set || ok) decoded = host::decode_oid_value(oid, set ? data : answer);
    const char* count_key = set ? "bytes_read" : "bytes_written";
    unsigned long count = reply.value(count_key, 0ul);
    unsigned long needed = reply.value("bytes_needed", 0ul);

    if (context.json) {
        nlohmann::json out = {{"adapter", options.adapter},
                              {"device", reply.value("device", "")},
                              {"oid", host::oid_name(oid)},
                              {"value", oid},
                              {"op", op},
                              {"status", status},
                              {count_key, count}};
        if (!ok) out["bytes_needed"] = needed;
        if (set || ok) out["decoded"] = decoded.json;
        if (set || ok) out["data"] = host::hex_bytes(set ? data : answer);
        print_json(out);
    } else if (ok && set) {
        std::printf("%s set to %s (%lu bytes read)\n", oid_label(oid).c_str(), decoded.text.c_str(), count);
    } else if (ok) {
        std::printf("%s = %s\n", oid_label(oid).c_str(), decoded.text.c_str());
    }
    if (!ok) {
        bool length_status = status == "NDIS_STATUS_INVALID_LENGTH" || status == "NDIS_STATUS_BUFFER_TOO_SHORT";
        std::string detail = length_status || needed != 0 ? " (" + std::to_string(needed) + " bytes needed)" : "";
        throw RunError(where + ": " + status + detail);
    }
}

}  // namespace

void add_oid_commands(CLI::App& app, Context& context) {
    auto* oid = app.add_subcommand(
        "oid", "query or set an OID of an adapter or virtual miniport in the running host (NdisRequest)");
    oid->require_subcommand(1);
    oid->footer(
        "ADAPTER is a connection name (strata device list), a virtual miniport's name (<filter service>-<adapter>)\n"
        "or \\Device\\{GUID}. OID is a name (OID_GEN_MAXIMUM_FRAME_SIZE; case-insensitive, OID_ optional) or a\n"
        "number (0x00010106). The host sends the request through an open of its own (protocol StrataOid), so NDIS\n"
        "answers the OIDs it keeps per open itself: OID_GEN_CURRENT_PACKET_FILTER, OID_GEN_CURRENT_LOOKAHEAD,\n"
        "OID_802_3_MULTICAST_LIST and OID_GEN_PROTOCOL_OPTIONS show that open's value, and a set of them lasts only\n"
        "until the request's open closes. Exit 1 when the request fails (its NDIS_STATUS is named).");

    auto options = std::make_shared<OidOptions>();
    auto* query = oid->add_subcommand("query", "NdisRequest(NdisRequestQueryInformation) and print the value decoded");
    query->add_option("adapter", options->adapter, "connection name, virtual miniport name or \\Device\\{GUID}")
        ->required()
        ->type_name("ADAPTER");
    query->add_option("oid", options->oid, "OID name or number")->required()->type_name("OID");
    query->add_option("--buffer-length", options->buffer_length,
                      "pass exactly this InformationBufferLength (default: 1024, grown once to BytesNeeded)")
        ->type_name("BYTES")
        ->check(CLI::Range(0u, 1u << 20));
    query->callback([&context, options, query] { run_oid(context, *options, false, *query); });

    auto* set = oid->add_subcommand("set", "NdisRequest(NdisRequestSetInformation) with VALUE encoded by the OID's type");
    set->add_option("adapter", options->adapter, "connection name, virtual miniport name or \\Device\\{GUID}")
        ->required()
        ->type_name("ADAPTER");
    set->add_option("oid", options->oid, "OID name or number")->required()->type_name("OID");
    set->add_option("value", options->value,
                    "a number (1500, 0x5dc), MAC aa:bb:cc:dd:ee:ff, MACs joined by commas, flag names joined by | "
                    "(DIRECTED|BROADCAST), an enumerator (D3), or hex bytes (01ff00) for OIDs of no known type")
        ->required()
        ->type_name("VALUE");
    set->callback([&context, options, set] { run_oid(context, *options, true, *set); });
}

}  // namespace strata::cli
